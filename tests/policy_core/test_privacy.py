import pytest

from policy_core.privacy import find_contact, mask_personal_data


@pytest.mark.parametrize(
    "secret",
    [
        "11010519900307123X",
        "110105199003071234",
        "13812345678",
        "+86 138 1234 5678",
        "6222021234567890123",
        "6222 0212 3456 7890",
        "zhang.san@example.com",
    ],
)
def test_personal_data_is_masked(secret):
    masked = mask_personal_data(f"我的信息是{secret}，请帮忙查一下")
    assert secret not in masked
    assert secret.replace(" ", "") not in masked.replace(" ", "")
    assert "请帮忙查一下" in masked


def test_masks_keep_a_recognisable_tail():
    assert mask_personal_data("13812345678") == "138****5678"
    assert mask_personal_data("11010519900307123X") == "110105********123X"
    assert mask_personal_data("6222021234567890123") == "****0123"
    assert mask_personal_data("a.b@qq.com") == "a***@qq.com"


def test_ordinary_text_and_short_numbers_are_unchanged():
    text = "1月的钱3月5日前到账，共12次360元，拨打12345"
    assert mask_personal_data(text) == text
    assert mask_personal_data("") == ""


def test_find_contact_returns_latest_masked_contact():
    assert find_contact(["你好", "我电话13812345678", "转人工"]) == "138****5678"
    assert find_contact(["邮箱 li@qq.com"]) == "l***@qq.com"
    assert find_contact(["没有联系方式"]) is None
