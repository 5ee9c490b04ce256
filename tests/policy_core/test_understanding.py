"""What residents tell besides the question: categories, months, dates, numbers, third parties."""

from datetime import date

import pytest

from policy_core.categories import PersonCategory as C
from policy_core.months import YearMonth
from policy_core.normalize import is_english, normalize_text
from policy_core.rules import (
    combined_unemployment_months,
    double_pay_months,
    format_years,
    injury_claim_deadline,
    injury_lump_sum,
    late_fee,
    pension_years,
    severance_months,
    unemployment_period,
    unlawful_dismissal_months,
)
from policy_core.understanding import (
    accident_date,
    amount_mentioned,
    asks_for_someone_elses_records,
    categories_mentioned,
    days_mentioned,
    disability_grade_mentioned,
    months_mentioned,
    service_years_mentioned,
    unclaimed_months_mentioned,
    wage_mentioned,
    years_mentioned,
)

TODAY = date(2026, 12, 1)


@pytest.mark.parametrize(
    "text, simplified",
    [
        ("在職職工醫保個人賬戶的錢幾號到賬", "在职职工医保个人账户的钱几号到账"),
        ("１２月份的錢", "12月份的钱"),
        ("医保\u200b存折", "医保存折"),
        # Sound-alike misspellings (knowledge/spelling.yml).
        ("依保个人帐户的钱是咋组城的", "医保个人账户的钱是咋组成的"),
        ("六月的钱几好到帐", "六月的钱几号到账"),
    ],
)
def test_normalization(text, simplified):
    assert normalize_text(text) == simplified


def test_english_is_recognized():
    assert is_english("How do I activate my social security card?")
    assert not is_english("医保account是什么") and not is_english("12345")
    # A Chinese term inside an English sentence keeps it English; a Chinese sentence with an English word does not.
    assert is_english("I work, my dad is retired. When does April's 医保 account money arrive for each?")
    assert not is_english("我的医保account余额怎么查询呢")


@pytest.mark.parametrize(
    "text, categories",
    [
        ("我在厂里上班，医保钱几号到", [C.IN_SERVICE]),
        ("我刚入职，单位说这个月开始给我交医保", [C.IN_SERVICE]),
        ("我领退休金的，医保钱几号到", [C.RETIRED]),
        ("我退了休，钱什么时候到", [C.RETIRED]),
        ("我在厂里上班，我爸已经退休了，我们俩5月份的医保钱各是几号到", [C.IN_SERVICE, C.RETIRED]),
        ("医保存折的钱什么时候到", []),
        ("我是灵活就业的", [C.FLEXIBLE_EMPLOYMENT]),
        ("我和我爸一个在职一个退休", [C.IN_SERVICE, C.RETIRED]),
        ("兄弟俩，哥哥退休了弟弟还在上班", [C.RETIRED, C.IN_SERVICE]),
        ("我爸退休我妈还上班", [C.RETIRED, C.IN_SERVICE]),
        ("我还没退休，在单位上班", [C.IN_SERVICE]),
        ("我退休了，单位还给我交医保吗", [C.RETIRED]),
        ("离退休人员", []),
        ("我已经不上班了，每月拿养老金，医保存折几号有钱", [C.RETIRED]),
        ("俺跟俺爹 俺上班他退了 七月份的钱都啥时候到", [C.IN_SERVICE, C.RETIRED]),
        ("我爸退休了，我弟还在上学，五月的医保钱几号到", [C.RETIRED]),  # 还在上学 is no job
        ("我和我爷爷 他退休好多年了 我刚参加工作 九月的医保钱各几号到", [C.RETIRED, C.IN_SERVICE]),
        ("社保每月给我打养老金，那我五月的医保存折钱多会儿到", [C.RETIRED]),
        ("我在国企干了二十年了 十一月的医保存折钱什么时候到", [C.IN_SERVICE]),
        ("我还在单位干着呢，离退下来还有好几年，一月的医保存折钱几号到", [C.IN_SERVICE]),  # not 退下来
        ("我今年退的 我儿子刚工作 俩人11月的个人账户钱啥时候到", [C.RETIRED, C.IN_SERVICE]),
        # Joined work before 1949: a retired cadre (离休), even though 参加工作 alone means in service.
        ("我是1949年以前就参加工作的老干部，有没有医保存折", [C.RETIRED_CADRE]),
        ("我是退休老干部，医保存折的钱啥时候到", [C.RETIRED]),
        ("我没单位，自己以个人身份在街道交社保，开网店的", [C.FLEXIBLE_EMPLOYMENT]),
        ("我在纺织厂三班倒 五月的医保存折钱哪天能进来", [C.IN_SERVICE]),
        ("在超市当收银员 超市给交社保 11月的医保个人账户钱啥时候到", [C.IN_SERVICE]),
        ("老伴走了以后我一个人靠养老金过日子 六月份存折里的钱啥时候打", [C.RETIRED]),
        # No longer working, told as a habit of years: not the in-service 上班/干活 inside it.
        ("老爷子不上班十来年了 每个月等着那点养老金 三月的医保存折钱到了没", [C.RETIRED]),
        ("俺妈早不干活了，她四月份的个人账户钱啥时候进来", [C.RETIRED]),
        ("我退下来后就在家歇着，养老金每月都按时到，九月的个人账户钱呢", [C.RETIRED]),
        ("俺每个月养老金直接打卡里 4月份那医保个人账户啥时候能到", [C.RETIRED]),
        ("今年刚毕业进的国企 8月第一个月交医保 个人账户钱几号能到", [C.IN_SERVICE]),
    ],
)
def test_categories_from_context(text, categories):
    assert categories_mentioned(normalize_text(text)) == categories


def test_a_month_followed_by_a_day_is_a_date_not_the_contribution_month():
    found = months_mentioned("朋友说在职的1月份医保钱2月5号就到账了", TODAY)
    assert found.contribution == YearMonth(2027, 1) and found.paid_in is None
    assert (found.claimed_arrival.month, found.claimed_arrival.day) == (2, 5)


def test_the_month_the_employer_paid_late():
    found = months_mentioned("6月的医保费8月才交上去，那6月份个人账户的钱几号到", TODAY)
    assert (found.contribution, found.paid_in) == (YearMonth(2026, 6), YearMonth(2026, 8))
    # With the day of the payment; a day the payment was "到位" is no date the money was promised.
    found = months_mentioned("我们单位老拖，10月的社保11月20号才交，这笔医保钱啥时候进账", TODAY)
    assert (found.contribution, found.paid_in, found.claimed_arrival) == (
        YearMonth(2026, 10),
        YearMonth(2026, 11),
        None,
    )
    found = months_mentioned("单位今年2月的社保4月15号才到位，个人账户2月的钱几号前到", TODAY)
    assert (found.contribution, found.paid_in, found.claimed_arrival) == (YearMonth(2026, 2), YearMonth(2026, 4), None)
    assert months_mentioned("1月的钱1月才交", TODAY).paid_in is None
    # In December, "1月" paid in April is last January's money, not next January's.
    found = months_mentioned("1月和2月的医保费拖到4月一起补交的", TODAY)
    assert (found.contribution, found.paid_in) == (YearMonth(2026, 2), YearMonth(2026, 4))
    found = months_mentioned("单位欠费好几个月，11月一次性补交了7月到10月的医保费", TODAY)
    assert (found.contribution, found.paid_in) == (YearMonth(2026, 10), YearMonth(2026, 11))
    # The payment month said relative to now, or with "把".
    found = months_mentioned("上个月单位补交了我7月的医保", TODAY)
    assert (found.contribution, found.paid_in) == (YearMonth(2026, 7), YearMonth(2026, 11))
    found = months_mentioned("10月份的医保一直没交，说下个月再交", TODAY)
    assert (found.contribution, found.paid_in) == (YearMonth(2026, 10), YearMonth(2027, 1))
    found = months_mentioned("单位3月份才给我把1月的医保交上", TODAY)
    assert (found.contribution, found.paid_in) == (YearMonth(2026, 1), YearMonth(2026, 3))


@pytest.mark.parametrize(
    "text, month, several",
    [
        ("俺是退休的，这个月是7月，6月份的医保钱啥时候能到折子上啊", 6, ()),
        ("这不到十二月了嘛，那十一月的钱几号到", 11, ()),
        ("现在都5月了，我3月和4月的钱到了吗", 4, (3, 4)),
    ],
)
def test_the_month_it_is_now_is_not_a_month_asked_about(text, month, several):
    mentioned = months_mentioned(normalize_text(text), date(2026, 12, 1))
    assert mentioned.contribution.month == month
    assert tuple(m.month for m in mentioned.asked) == several


def test_a_month_told_twice_once_with_its_year_is_one_month():
    mentioned = months_mentioned(
        "现在已经是1月份了，她问去年12月的钱啥时候到。退休人员12月份的钱几号之前到？", date(2026, 12, 1)
    )
    assert (mentioned.contribution.year, mentioned.contribution.month) == (2025, 12) and mentioned.asked == ()


def test_several_months_asked_about_are_all_kept():
    found = months_mentioned("我问三月份的，他问六月份的，各几号到", TODAY)
    assert found.asked == (YearMonth(2026, 3), YearMonth(2026, 6))
    assert months_mentioned("一月的钱几号到", TODAY).asked == ()
    # A month followed by "几号" is the arrival asked about, not a second month of money.
    found = months_mentioned("退休的一月那份，二月份几号之前到", TODAY)
    assert found.contribution.month == 1 and found.asked == ()
    # Unless it is a person's own month: each person asks theirs.
    found = months_mentioned("我在职，2月的钱几号到；我爸退休了，他4月的几号到", TODAY)
    assert found.asked == (YearMonth(2026, 2), YearMonth(2026, 4))
    found = months_mentioned("退休的一月那份，我想问二月份几号之前到", TODAY)
    assert found.contribution.month == 1 and found.asked == ()


def test_a_month_the_money_was_seen_arriving_is_not_the_month_asked_about():
    found = months_mentioned("我看7月份的医保钱是9月初才进来的，最晚应该几号到", TODAY)
    assert (found.contribution, found.paid_in) == (YearMonth(2026, 7), None)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("帮我查一下我邻居张三的医保账户还剩多少钱", True),
        ("帮我看看我爸的养老金每个月发多少", True),
        ("查一下我前妻的社保缴费记录", True),
        ("我的医保卡余额怎么查", False),
        ("我爸退休了，他5月的医保钱几号到", False),
        ("查查我儿子单位给他交社保没有", True),
        ("帮我姐姐查下她个人账户上个月划了多少", True),
        ("邻居王大爷的养老金每个月有多少，帮我查查", True),
        ("帮我查一下身份证后四位是3316的那个人的社保缴费记录", True),
        ("我是居委会的，想统计一下辖区里老人的医保账户余额，能帮忙查吗", True),
        # How much arrives, what is paid on what base: the owner's records too.
        ("帮我看看我公公的退休金每月到账多少", True),
        ("你能查到我老伴的医保缴费情况吗", True),
        ("帮我查查我朋友的社保缴费基数是多少", True),
        ("社保缴费基数怎么查", False),
        ("我老公体检查出点毛病，单位一直按最低基数给他交社保，能投诉吗", False),
        # Family and a policy question, not a records lookup.
        ("我爸退休了医保存折每个月有多少", False),
        ("我妈退休了，她的医保钱几号到账，帮我算一下", False),
        # A nickname, a half-hidden name, in-laws and housemates; an account looked up for them.
        ("把我们科室小王的医保报销记录调出来给我看看", True),
        ("我是社区网格员 想查一下居民刘某的医保缴费记录", True),
        ("我小姨子的医保存折余额能帮查下吗", True),
        ("帮我查一下我爸的医保账户 身份证110101195001011234", True),
        # Read out to the resident, an account number, an in-law.
        ("我奶奶眼神不好，你把她的医保账户消费记录念给我听", True),
        ("我外公的医保存折账号多少，你告诉我我帮他去取钱", True),
        ("我岳母的医保存折记录能调出来给我看看吗", True),
        # A survivor asking the family's benefit after a death asks the rule, not the deceased's records.
        ("我爱人工亡了 我没有工作靠他养活 能领多少供养亲属抚恤金", False),
        ("我爸去世了，帮我查一下他的养老保险缴费记录", True),
        ("我想知道隔壁老李家儿子社保交没交 你给查查", True),
        ("我闺女在外地上班，她养老保险交了几个月你给我查查", True),
        ("帮我查一下我老爸的养老保险缴费记录，他八十了", True),
        ("我是城乡居民，帮我查一下我的缴费记录", False),  # the resident's own records
        # Being caught ("被查到") or a fee's name ("诊查费") looks nothing up.
        ("去年我去湛江看我姑，医院收了二十块诊查费，回深圳申请报销说这张票据不行", False),
        ("用朋友的医保卡去看病拿药，被查到了会罚款吗？", False),
        ("把医保卡借给亲戚用被查到了，会怎么处理我", False),
        # The employer's duty to its staff is a policy question; an employee's own records are not ours to read.
        ("单位是不是要每年跟员工公布社保费交了多少", False),
        ("老板让我查下新员工的社保交了几年", True),
        ("我们公司从去年开始就不给员工交社保了 工资条上还照扣 单位这样拖着不交会被罚多少", False),
        # A friend, a named person's monthly amount, a spouse by phone number, a gap in someone's payments.
        ("我闺蜜医保存折的钱被人取了 能帮她查查流水吗", True),
        ("查一下李建国的养老金每月多少", True),
        ("我对象手机号13800001111 帮看下她的医保钱到账没", True),
        ("能查一下我前夫的社保缴到哪个月了吗", True),
        ("帮我看看我师傅老赵的医保钱这个月进了没", True),
        ("我的医保钱这个月进了没", False),
        ("麻烦查一下孙志刚的退休金到账了没有", True),
        ("我们小区有个孤寡老人，我想帮他看看医保存折里的钱够不够用", True),
        ("能告诉我我们老板自己的社保每月交多少吗", True),
        ("老板不给我交社保，我想查一下我自己交了多少", False),
        ("我想知道我爸的医保个人账户余额，他住院了没法自己来", True),
        ("我想知道医保个人账户余额怎么查", False),
        # A named person after 看看/告诉我/查询一下, a sibling's statement sent over, a grid worker's "了解一下".
        ("你帮我看看张建国的医保存折里有多少钱 身份证号我不知道", True),
        ("查一下赵秀兰 1958年生的 她今年医保报销了多少", True),
        ("能不能把我哥医保个人账户的流水发给我", True),
        ("告诉我陈明的医保存折卡号", True),
        ("查询一下刘伟 身份证110开头的 医保缴费明细", True),
        ("我是小区网格员，想了解一下居民周大爷的医保账户情况", True),
        ("查询一下医保缴费明细要带什么", False),
        # One's own records: what follows 查/看看/告诉我 is no person's name (a name starts with a surname).
        ("帮我看看医保卡的余额", False),
        ("查一下社保的缴费记录", False),
        ("看一下养老金的到账记录", False),
        ("告诉我社保卡的卡号怎么查", False),
        ("告诉我医保存折的钱什么时候到", False),
        # What a relative, a boss or a villager spent or was reimbursed; one's own or a parent's bill is a policy question.
        ("我儿媳妇的医保上个月花了多少钱，帮我查下", True),
        ("我想知道我们科室主任今年医保报销了多少", True),
        ("俺村的赵老汉去年报了多少医保，俺想知道", True),
        ("我住院花了多少钱能报销多少", False),
        ("我妈住院花了多少钱，能报多少", False),
    ],
)
def test_someone_elses_records(text, expected):
    assert asks_for_someone_elses_records(text) is expected


def test_numbers_in_chinese_and_digits():
    assert years_mentioned("我交了七年失业保险") == 7
    assert years_mentioned("交了8年半") == 8.5
    assert years_mentioned("我2010年开始交 交了12年") == 12  # not the "10年" inside 2010年
    assert years_mentioned("从2012年1月交养老保险一直交到2024年12月退休") == 13  # both ends count
    assert years_mentioned("2015年到2020年交的社保") == 5
    assert years_mentioned("1965年出生到2025年退休，交了20年") == 20  # the count told wins over the span
    assert amount_mentioned("单位欠了一万五千元，拖了六十天") == 15000
    assert days_mentioned("单位欠了一万五千元，拖了六十天") == 60
    assert days_mentioned("拖了3个月") == 90
    assert accident_date("3月10号受的伤", TODAY) == date(2026, 3, 10)
    assert accident_date("12月20号受的伤", TODAY) == date(2025, 12, 20)  # not in the future


@pytest.mark.parametrize("years, months", [(0.5, 0), (1, 12), (4.9, 12), (5, 18), (9.99, 18), (10, 24), (30, 24)])
def test_unemployment_period_follows_article_46(years, months):
    assert unemployment_period(years).longest_months == months


def test_injury_claim_deadlines():
    deadline = injury_claim_deadline(date(2026, 3, 10))
    assert (deadline.employer_by, deadline.worker_by) == (date(2026, 4, 9), date(2027, 3, 10))
    assert injury_claim_deadline(date(2024, 2, 29)).worker_by == date(2025, 2, 28)


def test_pension_years_and_late_fee():
    assert pension_years(15).enough and not pension_years(12).enough
    assert pension_years(12).missing_years == 3
    assert late_fee(10000, 60).fee == 300
    assert format_years(8.5) == "8年半" and format_years(10.25) == "10年3个月"


@pytest.mark.parametrize("years, months", [(3 + 8 / 12, 4), (3 + 2 / 12, 3.5), (5 / 12, 0.5), (0.5, 1), (2, 2), (0, 0)])
def test_severance_follows_article_47(years, months):
    assert severance_months(years).months == months


@pytest.mark.parametrize("years, months", [(4, 8), (3 + 8 / 12, 8), (5 / 12, 1)])
def test_unlawful_dismissal_pays_twice_the_severance(years, months):
    assert unlawful_dismissal_months(years).months == months


@pytest.mark.parametrize("worked, owed", [(1, 0), (2, 1), (8, 7), (12, 11), (30, 11)])
def test_double_pay_runs_from_the_second_month_for_at_most_eleven(worked, owed):
    assert double_pay_months(worked) == owed


def test_time_worked_with_months_only():
    assert service_years_mentioned("我在公司干了3年零8个月") == pytest.approx(3 + 8 / 12)
    assert service_years_mentioned("工作8个月就被辞退了") == pytest.approx(8 / 12)
    assert service_years_mentioned("经济补偿怎么算") is None


def test_a_sum_owed_written_in_chinese_numerals():
    assert amount_mentioned("欠了两万社保费拖了三个月") == 20000
    assert amount_mentioned("社保欠费滞纳金怎么算 欠5w 晚交了100天") == 50000
    assert amount_mentioned("拖了3个月") is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("上回失业领了6个月还剩6个月没领 后来又上了两年班 这回又失业了 能领多久", 6),
        ("第一次失业本来能领18个月 领了10个月就找到活了 新单位又交了2年", 8),
        ("我交了7年失业保险，能领多久", None),
        ("领了20个月，本来能领18个月", None),  # more claimed than entitled: no guess
    ],
)
def test_months_left_unclaimed_from_an_earlier_spell(text, expected):
    assert unclaimed_months_mentioned(text) == expected


def test_a_new_period_and_the_unclaimed_months_are_added_up_to_24():
    assert combined_unemployment_months(2, 6) == 18
    assert combined_unemployment_months(2, 8) == 20
    assert combined_unemployment_months(12, 10) == 24


@pytest.mark.parametrize(
    "text, grade, wage",
    [
        ("鉴定成一级伤残 本人工资按6000算 一次性伤残补助金能拿多少", 1, 6000),
        ("九级伤残 本人工资4500一个月 一次性伤残补助金是多少钱", 9, 4500),
        ("工伤评了十级，月薪8000", 10, 8000),
        ("伤残五级能拿几个月", 5, None),
        ("一次性伤残补助金怎么算", None, None),
    ],
)
def test_disability_grade_and_wage(text, grade, wage):
    assert disability_grade_mentioned(text) == grade and wage_mentioned(text) == wage


def test_the_one_off_disability_grant_by_grade():
    assert (injury_lump_sum(1, 6000).months, injury_lump_sum(1, 6000).amount) == (27, 162000)
    assert injury_lump_sum(9, 4500).amount == 40500 and injury_lump_sum(10).amount is None


def test_a_parent_said_to_have_retired_is_the_second_person():
    from policy_core.understanding import categories_mentioned

    assert set(categories_mentioned("我上班 我爸退了 十二月医保钱 俩人啥时候都能到")) == {
        C.IN_SERVICE,
        C.RETIRED,
    }


@pytest.mark.parametrize(
    "text, declined",
    [
        ("隔壁王大妈不识字，我能替她去查她的医保存折不", True),
        ("俺想查查俺兄弟的医保钱到了没有", True),
        # When a relative's money arrives is the rule, not their record.
        ("我妈让我查查她十二月的钱啥时候能进来", False),
        # Seeing the passbook is how she checks the arrival; her contribution record is still a record.
        ("我妈三天两头拿着存折去银行打流水，帮我查查她3月份的那笔钱最晚几号能看到", False),
        ("帮我查一下我爸的医保缴费记录 几号能打出来", True),
        # What is in a relative's passbook is her record.
        ("我是她闺女 我妈的医保存折密码忘了 能告诉我里面多少钱吗", True),
        ("我的医保存折里面多少钱", False),
        # A story's last sentence is the question: the mother's card the resident once looked at is not asked.
        (
            "上个月我妈生病我带她看病，才想起来看看医保卡里有多少钱。我就想问问，我这个在职的，5月份的个人账户钱几号能到？",
            False,
        ),
        ("我妈生病了。帮我查查她医保卡里还有多少钱？几号能到？", True),
        # Who pays a relative's contributions is her record.
        ("我前妻现在的社保是哪个单位给交的，帮我查一下", True),
        ("我现在的社保是哪个单位给交的", False),
        ("我婆婆每个月都打电话问我账户钱到没到。今天正式问一下：北京退休人员10月份的医保个人账户几号前到账？", False),
        ("前女友的医保卡在我这，能帮我查下里面还剩多少钱吗", True),
        ("我是房东，想查一下租户的社保缴纳情况，怎么查", True),
        # A manager, a neighbour's treatment, when a colleague's contributions began, a former partner's account.
        ("帮我看看我们部门经理医保账户里有多少钱", True),
        ("我想知道我邻居最近去哪家医院看过病，能查到吗", True),
        ("帮我查下公司新来的那个同事医保是从哪个月开始交的", True),
        ("我前任的医保账户是不是被冻结了，帮忙查一下", True),
        ("经理跟我说医保的钱下下月才到，是这样吗", False),
        # The resident's own role or past employer, and a relative's treatment asked as a policy question.
        ("我是部门经理，帮我查查我的社保交没交", False),
        ("前任单位给我交的社保记录怎么查一下", False),
        ("我妈住过院，帮我查一下住院能报多少", False),
        # What a deceased worker's family receives is the rule, whoever asks; looking it up is a record.
        ("我们工地有个老乡干活出事没了 家属能领多少一次性工亡补助金", False),
        ("帮我查一下邻居王大爷去世后家属领了多少抚恤金", True),
        # The boss's own contributions, and whether strangers' accounts still hold money.
        ("我想知道我老板的医保交了多少 能查不", True),
        ("老板给我交的医保交了多少，我能查吗", False),
        ("我老板的公司给我交的社保记录怎么查", False),
        ("我是楼长 想知道楼里几个独居老人的医保账户还有没有钱", True),
        ("我的医保账户里有没有钱，怎么查", False),
        # A property manager asking for owners' records, and "这人" known only by an ID number.
        ("我是小区物业的，能查一下业主们的医保缴费情况吗", True),
        # An owner asking about their own account is not a property manager asking about owners.
        ("我是业主，想查一下我自己的医保余额", False),
        ("我这有个身份证号，你帮我查查这人医保账户余额", True),
        ("我这人记性差，想查一下我自己的医保余额", False),
        ("我想知道我老板医保账户里有多少钱", True),
        # Whether the employer must tell its employees what it paid: the resident is one of them.
        ("我们公司从来不跟员工说社保交了多少 公司是不是应该每年公布一下", False),
        ("公司一年交了多少社保 员工有没有权利知道 公司要不要公开", False),
        ("我想看看医保账户里有没有钱，结果空空的，问了室友他也不知道，7月份那笔钱得等到什么时候", False),
        ("帮我查一下我小叔子的医保个人账户明细", True),
        ("我对象的前任在哪上班交医保，能查到不", True),
        ("我是房东，想看看我租客的医保个人账户里有没有钱", True),
        ("我是小区物业的，想核实一下业主孙某的医保存折余额", True),
        ("我想核实一下我的医保存折余额对不对", False),
        # What the resident looked up themselves, and a friend who only told them something.
        ("朋友说他医保存折里每月都有钱，我查了一下我的什么也没有，是不是出问题了？", False),
        # An allowance's standard for a relative is the rule; a balance is their record.
        ("我老娘今年八十五了，高龄津贴一个月有多少钱", False),
        ("残疾人两项补贴是啥，我儿子是二级智力残疾，一个月能领多少", False),
        ("我爸的伤残津贴卡里还有多少余额", True),
        # Using another person's card is the rule on misuse, not a look-up of their records.
        ("拿别人的医保卡冒名看病 被查到了罚多少", False),
        # A shop downstairs is a place, not a neighbour.
        (
            "我家楼下新开了家面馆，扯远了，我去年刚退休，想问一下九月份医保存折的钱几号能到账，我好安排去银行打印流水。",
            False,
        ),
    ],
)
def test_someone_elses_records_in_more_wordings(text, declined):
    from policy_core.understanding import asks_for_someone_elses_records

    assert asks_for_someone_elses_records(text) is declined


@pytest.mark.parametrize(
    "text, expected",
    [
        ("我爸去年底退的休，以前在厂里上班的时候钱都是隔两个月到", [C.RETIRED]),
        ("我以前在厂里上班，现在退休了", [C.RETIRED]),
        ("我在厂里上班，我爸已经退休了", [C.IN_SERVICE, C.RETIRED]),
    ],
)
def test_work_told_as_the_past_tells_no_category(text, expected):
    assert categories_mentioned(text) == expected


@pytest.mark.parametrize(
    "text, contribution",
    [
        # A month named relative to the month the resident says it is now.
        ("现在都7月了，我是上班的在职职工，上个月的医保钱多会儿到？", YearMonth(2026, 6)),
        ("在职，现在是5月，上个月的医保钱什么时候到？", YearMonth(2026, 4)),
        ("今天8月20号，我是退休的，这个月的个人账户钱啥时候进来？", YearMonth(2026, 8)),
        # A month named outright is the one asked, whatever else the story says.
        ("她说8月的钱到现在还没到，上个月刷卡发现钱不多，今天是8月20号，8月那个月的钱几号到？", YearMonth(2026, 8)),
        ("这个月是7月，6月份的医保钱什么时候到", YearMonth(2026, 6)),
        ("俺是退休的老工人，今儿个是8月，上个月那点医保钱咋还没到哩", YearMonth(2026, 7)),
    ],
)
def test_relative_months_count_from_the_month_the_resident_says_it_is(text, contribution):
    assert months_mentioned(text, date(2026, 12, 7)).contribution == contribution


@pytest.mark.parametrize(
    "text, contribution, paid_in",
    [
        # The payment month told relative to the stated current month, before or after it.
        ("现在是9月，公司说上上个月的社保这个月才补交上，那笔医保钱几号前到？", YearMonth(2026, 7), YearMonth(2026, 9)),
        (
            "我在职，单位把上个月的社保拖到这个月才交，现在是6月，那笔医保钱几号前到？",
            YearMonth(2026, 5),
            YearMonth(2026, 6),
        ),
        # Without a stated month, relative months count from today.
        ("上个月单位补交了我7月的医保", YearMonth(2026, 7), YearMonth(2026, 11)),
    ],
)
def test_a_late_payment_told_in_relative_months(text, contribution, paid_in):
    found = months_mentioned(text, date(2026, 12, 7))
    assert (found.contribution, found.paid_in) == (contribution, paid_in)


def test_a_date_the_money_is_said_to_arrive_is_not_a_late_payment():
    found = months_mentioned("在职，听说8月的医保钱得拖到11月5号才到，要等三个月这么久？", date(2026, 12, 7))
    assert (found.contribution, found.paid_in, found.claimed_arrival) == (YearMonth(2026, 8), None, date(2026, 11, 5))


def test_the_month_the_employer_actually_paid_in_is_the_payment_month():
    found = months_mentioned("单位实际缴费是11月，但缴的是8月的费，我8月的个人账户钱按啥时候算", date(2026, 12, 7))
    assert (found.contribution, found.paid_in) == (YearMonth(2026, 8), YearMonth(2026, 11))
