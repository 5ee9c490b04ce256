"""The grader of the independent question sets: a date or figure is not found inside a longer number."""

from bot.answer_eval import _missing


def test_a_date_is_not_found_inside_a_longer_date():
    item = {"expect": [["1月5日", "一月五日"]]}
    assert _missing(item, "11月的钱12月5日前到；十一月五日") != []
    assert _missing(item, "1月的钱2月5日前到，即1月5日") == []
    assert _missing(item, "（一月五日）") == []


def test_words_are_still_found_anywhere():
    assert _missing({"expect": [["不能", "不可以"]]}, "个人不能存钱") == []
    assert _missing({"expect": ["本人"]}, "只有他自己") == ["missing one of ['本人']"]
