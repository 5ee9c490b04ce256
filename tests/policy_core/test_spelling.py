"""Sound-alike misspellings of the key words are corrected before NLU and the answerability check read a question."""

import pytest

from policy_core.knowledge_base import KnowledgeBaseError
from policy_core.normalize import normalize_text
from policy_core.spelling import Speller, SpellingSettings, load_spelling_settings


@pytest.mark.parametrize(
    "typed, meant",
    [
        ("医宝个人帐户的钱都有啥", "医保个人账户的钱都有啥"),
        ("在只职工十二月的医保钱几浩到", "在职职工十二月的医保钱几号到"),
        ("深镇报销要原始发漂吗", "深圳报销要原始发票吗"),
        ("失叶金多少钱", "失业金多少钱"),
        ("公基金能取吗", "公积金能取吗"),
        # Sounds that many speakers do not tell apart: -ing/-in, zh/z, sh/s.
        ("养老经每月能拿多少", "养老金每月能拿多少"),
        ("生育金贴怎么申请", "生育津贴怎么申请"),
        ("退休人圆医保帐护是定颚划的吗", "退休人员医保帐户是定额划的吗"),
        ("医保存着里的钱会生利细不", "医保存折里的钱会生利息不"),
        ("在职的当月帐户钱是下个月才分陪吗", "在职的当月帐户钱是下个月才分配吗"),
        ("拿复引件能报吗", "拿复印件能报吗"),
        ("医保电子凭正怎么激活", "医保电子凭证怎么激活"),
        # A look-alike that does not sound like its word is replaced as typed.
        ("医保个人帐户里的钱都包刮啥", "医保个人账户里的钱都包括啥"),
        ("退休人原3月份个人账户划帐是啥时候", "退休人员3月份个人账户划帐是啥时候"),
        # Traditional characters are simplified first, then corrected.
        ("退修人員的醫寶錢", "退休人员的医保钱"),
    ],
)
def test_sound_alike_misspellings_are_corrected(typed, meant):
    assert normalize_text(typed) == meant


@pytest.mark.parametrize(
    "text",
    [
        "一包药多少钱",  # a common word of its own
        "记号笔",
        "以保证质量为准",  # 以 + 保证: the span is part of a word
        "我已报了名",  # no character in common with 医保
        "钱一直存着呢",  # a rare real word kept by spelling.yml
        "12345的工单号忘了",  # 单 read shan is not 伤
        "交了工商的费用",
        "去工商局办执照",  # 工商 alone is not replaced, only 工商认定
        "因个人原因辞职了",  # 人原 inside 个人原因 is no misspelling of 人员
        "福利细则在哪看",
        "充分陪伴老人",
    ],
)
def test_real_words_are_left_alone(text):
    assert normalize_text(text) == text


@pytest.mark.parametrize(
    "typed, meant",
    [
        # Look-alikes that do not sound alike, and a word that is always wrong in this domain.
        ("医保存拆里的钱是谁的", "医保存折里的钱是谁的"),
        ("单位要在多少天内申请工商认定", "单位要在多少天内申请工伤认定"),
        ("单位把我除命了 连续供龄不认", "单位把我除名了 连续工龄不认"),
        ("退休人员，现再是4月，下个月医保钱几号到", "退休人员，现在是4月，下个月医保钱几号到"),
        ("我父亲上周去逝了 工亡补住金是多少", "我父亲上周去世了 工亡补助金是多少"),
    ],
)
def test_listed_misspellings_are_replaced(typed, meant):
    assert normalize_text(typed) == meant


def test_a_speller_without_words_changes_nothing():
    assert Speller(SpellingSettings((), 20)).correct("医宝钱几浩到") == "医宝钱几浩到"


def test_the_spelling_file_is_checked(tmp_path):
    (tmp_path / "spelling.yml").write_text("words: [医保, 一]\n", encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match="2 to 4 Chinese characters"):
        load_spelling_settings(tmp_path)
    (tmp_path / "spelling.yml").write_text("words: [医保\n", encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match="bad spelling settings"):
        load_spelling_settings(tmp_path)
    (tmp_path / "spelling.yml").write_text("words: [医保]\nreplace: {拆: 折}\n", encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match="a replacement needs"):
        load_spelling_settings(tmp_path)
    (tmp_path / "spelling.yml").unlink()
    assert load_spelling_settings(tmp_path).words == ()
