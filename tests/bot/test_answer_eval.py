"""The grader of the independent question sets: a date or figure is not found inside a longer number; the
correction of a false premise does not count as saying the wrong date."""

from bot.answer_eval import _forbidden, _missing


def test_a_date_is_not_found_inside_a_longer_date():
    item = {"expect": [["1月5日", "一月五日"]]}
    assert _missing(item, "11月的钱12月5日前到；十一月五日") != []
    assert _missing(item, "1月的钱2月5日前到，即1月5日") == []
    assert _missing(item, "（一月五日）") == []


def test_words_are_still_found_anywhere():
    assert _missing({"expect": [["不能", "不可以"]]}, "个人不能存钱") == []
    assert _missing({"expect": ["本人"]}, "只有他自己") == ["missing one of ['本人']"]


def test_the_wrong_date_named_as_wrong_is_not_said():
    item = {"forbid": ["4月5日", "4月5号"]}
    assert _forbidden(item, "【北京市】不是4月5日。在职职工3月的个人账户资金，应在5月5日（含）前到账。") == []
    assert _forbidden(item, "在职职工3月的钱应在4月5日（含）前到账。") == ["says 4月5日"]
    assert _forbidden(item, "不是4月5日。退休人员3月的钱应在4月5日前到账。") == ["says 4月5日"]
    assert _forbidden({"forbid": ["1月5日"]}, "不是11月5日，是1月5日") == ["says 1月5日"]
