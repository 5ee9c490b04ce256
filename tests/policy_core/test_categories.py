import pytest

from policy_core.categories import PersonCategory, parse_person_category


@pytest.mark.parametrize(
    "text, expected",
    [
        ("in_service", PersonCategory.IN_SERVICE),
        ("我在职", PersonCategory.IN_SERVICE),
        ("在职职工", PersonCategory.IN_SERVICE),
        ("还在上班", PersonCategory.IN_SERVICE),
        ("retired", PersonCategory.RETIRED),
        ("退休的", PersonCategory.RETIRED),
        ("退了休的", PersonCategory.RETIRED),
        ("退休职工", PersonCategory.RETIRED),
        ("灵活就业人员", PersonCategory.FLEXIBLE_EMPLOYMENT),
        ("自由职业", PersonCategory.FLEXIBLE_EMPLOYMENT),
        ("人才参保", PersonCategory.TALENT_AGENCY),
        ("离休干部", PersonCategory.RETIRED_CADRE),
    ],
)
def test_category_wordings(text, expected):
    assert parse_person_category(text) is expected


@pytest.mark.parametrize(
    "text", [None, "", "个体户", "学生", "离退休人员", "在职和退休有什么区别", "职工医保什么时候到账", "报销被退了"]
)
def test_unknown_or_ambiguous_categories(text):
    assert parse_person_category(text) is None


def test_every_category_has_a_chinese_label():
    assert all(category.label for category in PersonCategory)
