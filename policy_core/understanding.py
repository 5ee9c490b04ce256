"""What residents tell us besides the question: who they are, which month, what they were told, their numbers.

Everything here reads normalized text (policy_core.normalize) and returns plain values; nothing is guessed
when the wording does not say it.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from datetime import date
from typing import Optional

import cn2an

from .categories import _ALIASES as CATEGORY_ALIASES
from .categories import PersonCategory, parse_person_category
from .months import ENGLISH_MONTH_NAMES, MonthParseError, YearMonth, parse_month

# Context that implies a category when the resident does not name it ("我在厂里上班" → 在职).
_IN_SERVICE_CONTEXT = (
    "上班",
    "转正",
    "hr",
    "HR",
    "扣社保",
    "当老师",
    "没到退休",
    "正式员工",
    "单位",
    "公司",
    "入职",
    "工资",
    "厂里",
    "打工",
    "在岗",
    "在职",
    "职工医保",
    "上着班",
    "还在干",
    "没退休",
    "还没退",
    "工作单位",
    "用人单位",
    "老板",
    "参加工作",
    "刚工作",
    "在国企",
    "国企干",
    "在单位干",
    "单位干着",
    "还在单位",
    "离退下来还",
    "离退休还有",
    "离退休还早",
    "三班倒",
    "倒班",
    "上夜班",
    "在车间",
    "流水线",
    "干活",
    "给交社保",
    "给我交社保",
    "收银员",
    # A first job straight after school ("今年刚毕业进的国企").
    "刚毕业",
    "进的国企",
    "进国企",
)
_RETIRED_CONTEXT = (
    "退休金",
    "退了休",
    "退休了",
    "退休的",
    "退休人员",
    "已退休",
    "退休职工",
    "领养老金",
    "领着养老金",
    # Past seventy.
    "七十多了",
    "七十多岁",
    "八十多了",
    "八十多岁",
    "拿养老金",
    "打养老金",
    "发养老金",
    "拿退休金",
    # No longer working and drawing a pension ("我已经不上班了，每月拿养老金"), not in service.
    "不上班了",
    "退下来",
    "已经退了",
    "我退了",
    "老退休",
    "今年退的",
    "去年退的",
    "刚退的",
    "他退了",
    "她退了",
    "都退了",
    "退休好多年",
    "退休多年",
    "靠养老金",
    "养老金过日子",
    # Retired from an employer: the employer words are the past ("刚从单位退下来").
    "从单位退",
    "从厂里退",
    "从公司退",
    "一个退了",
    "退休手续",
    "取养老金",
    "取退休金",
    "拿退休工资",
    "爸退了",
    "妈退了",
    "爹退了",
    "娘退了",
    "伴退了",
    "办完退休",
    "办了退休",
    # No longer working, told as a habit of years ("老头子不上班好几年了", "俺娘早就不干活了").
    "不上班",
    "不干活",
    "回家歇着",
    "在家歇着",
    "养老金每月",
    "养老金每个月",
    "那点养老金",
    "养老金按时",
    # The pension is paid into the resident's card ("俺每个月养老金直接打卡里").
    "养老金直接打",
    "养老金打卡",
    "养老金打到卡",
)
# Retired cadres (离休): joined work before the People's Republic ("1949年以前就参加工作的老干部"). The
# dates name the category; "老干部" alone is context ("退休老干部" is a retiree).
_RETIRED_CADRE_NAMED = (
    "1949年以前",
    "1949年前",
    "49年以前参加",
    "49年前参加",
    "建国前参加",
    "建国以前参加",
    "解放前参加",
    "解放以前参加",
    "新中国成立前",
    "新中国成立以前",
)
_RETIRED_CADRE_CONTEXT = ("老干部", "老红军")
# Insured on one's own, without an employer ("没单位，自己以个人身份交社保").
_FLEXIBLE_CONTEXT = (
    "以个人身份",
    "个人身份参保",
    "没单位",
    "没有单位",
    "个体户",
    "个体工商户",
    "开网店",
    "跑滴滴",
    "送外卖",
    "跑外卖",
    "摆摊",
    "打零工",
)
# Another person the resident speaks for ("我爸退休了").
_RELATIVES = (
    "我爸",
    "我妈",
    "爸爸",
    "妈妈",
    "父亲",
    "母亲",
    "老伴",
    "老公",
    "老婆",
    "爱人",
    "媳妇",
    "丈夫",
    "妻子",
    "儿子",
    "女儿",
    "孩子",
    "我哥",
    "我姐",
    "我弟",
    "我妹",
    "哥哥",
    "姐姐",
    "弟弟",
    "妹妹",
    "兄弟",
    "姐妹",
    "公公",
    "婆婆",
    "岳父",
    "岳母",
    "我爷爷",
    "我奶奶",
    "老爷子",
    "老太太",
    "老头",
    "我家老",
    "我对象",
    "我爹",
    "我娘",
    "俺爹",
    "俺娘",
    "俺爸",
    "俺妈",
    "爸妈",
    "父母",
    "爷爷",
    "奶奶",
    "同事",
    "朋友",
    "邻居",
)
# Several people in one message ("我俩", "一个在职一个退休"): each gets the answer for their category.
_SEVERAL_PEOPLE = re.compile(r"俩|分别|各自|各是|两个人|两人|一个.{0,4}一个")
# Category words: "离退休" (no category) first, then the longest first so that a longer word claims its
# characters ("没退休" is in service, not "退休"). A word holding a category's own name names it ("退休了").
# Work and wages told as the past ("跟以前上班时不一样了", "以前上班的单位") tell no category now.
_PAST_WORK = ("以前上班", "以前的工资", "以前工资", "以前的单位", "以前单位", "原来上班", "原来的单位", "原单位")
# The same with a place between ("以前在厂里上班的时候"): the whole span tells no category.
_PAST_WORK_SPAN = re.compile(r"(?:以前|之前|原来|过去|当年)在[^，。！？,!?；;\s]{1,6}?(?:上班|工作|打工|干活)")
_CATEGORY_WORDS: tuple[tuple[str, Optional[PersonCategory], bool], ...] = (
    ("离退休", None, False),
    *((word, None, False) for word in _PAST_WORK),
) + tuple(
    sorted(
        [(alias, category, True) for alias, category in CATEGORY_ALIASES]
        + [
            (word, PersonCategory.IN_SERVICE, parse_person_category(word) is PersonCategory.IN_SERVICE)
            for word in _IN_SERVICE_CONTEXT
        ]
        + [
            (word, PersonCategory.RETIRED, parse_person_category(word) is PersonCategory.RETIRED)
            for word in _RETIRED_CONTEXT
        ]
        + [(word, PersonCategory.RETIRED_CADRE, True) for word in _RETIRED_CADRE_NAMED]
        + [(word, PersonCategory.RETIRED_CADRE, False) for word in _RETIRED_CADRE_CONTEXT]
        + [(word, PersonCategory.FLEXIBLE_EMPLOYMENT, False) for word in _FLEXIBLE_CONTEXT],
        key=lambda entry: -len(entry[0]),
    )
)

# Someone else's personal records: the assistant never looks them up for a third party.
_THIRD_PARTY = (
    "闺蜜",
    "师傅",
    "徒弟",
    "哥们",
    "邻居",
    "别人",
    "他人",
    "朋友",
    "同事",
    "亲戚",
    "同学",
    "熟人",
    "陌生人",
    "他的",
    "她的",
    "人家的",
    "我爸的",
    "我妈的",
    "老伴的",
    "老公的",
    "老婆的",
    "爱人的",
    "儿子的",
    "女儿的",
    "父母的",
    "家人的",
    "我爸爸的",
    "我妈妈的",
    "父亲的",
    "母亲的",
    "前妻",
    "前夫",
    "租户",
    "员工",
    "租客",
    "房客",
    "楼下",
    "楼上",
    "雇主",
    "婆婆",
    "公公",
    "丈母娘",
    "岳母",
    "岳父",
    "老丈人",
    "房东",
    "他身份证",
    "她身份证",
    "他医保",
    "她医保",
    "他社保",
    "她社保",
    "他养老",
    "她养老",
    "他的医保",
    "她的医保",
)
_RECORDS = (
    "余额",
    # What is in a passbook or card ("我妈的医保存折 … 能告诉我里面多少钱吗").
    "里面多少钱",
    "里面有多少",
    "里头多少钱",
    "里头有多少",
    "里边多少钱",
    "还剩",
    "剩多少",
    "剩下多少",
    "还有多少钱",
    "还有没有钱",
    "有多少钱",
    "缴费记录",
    "缴费明细",
    "缴纳情况",
    "缴费情况",
    "参保情况",
    "参保记录",
    "交了几年",
    "交了多少",
    "缴了几年",
    "缴了多少",
    "流水",
    "明细",
    "账户信息",
    "个人信息",
    "身份证号",
    "交没交",
    "缴没缴",
    "记录",
    "到了没",
    "什么时候断",
    "啥时候断",
    "断的",
    "有没有到账",
    "到账了没",
    "到没到账",
    "到账没",
    "有没有交",
    "有没有缴",
    "断过",
    "报销了多少",
    "发多少",
    "领多少",
    "交社保",
    "交了社保",
    "交的社保",
    "交的医保",
    "交到哪",
    "交到几月",
    "到没到",
    "领了几个月",
    "领了多久",
    "领了多少",
    "划了多少",
    "进了多少",
    "打了多少",
    "给他交",
    "给她交",
    "缴费情况",
    "缴费基数",
    "到账多少",
    "缴到哪",
    "缴到几月",
    "卡号",
    "账号",
    "账户情况",
    "报销了多少",
    "交到哪个月",
    "断缴",
    "有没有断",
    "进了没",
    "进没进",
    "买了些",
    "买了啥",
    "买了什么",
    "开了什么药",
    "开了啥药",
    "拿了什么药",
    "看了什么病",
    "看过什么病",
    "入账记录",
    "花在哪",
    "花哪了",
    "都花在",
    "报了多少",
    "参保情况",
    "参保信息",
)
# A stranger's treatment, the start of their contributions or a frozen account are their records too; from
# family these words are often the resident's own policy question ("我妈住过院，帮我查一下住院能报多少").
_STRANGERS_RECORDS = (
    "去哪家医院",
    # Where a stranger works is theirs to tell ("我对象的前任在哪上班交医保").
    "在哪上班",
    "在哪工作",
    "在哪个单位",
    "在哪家医院",
    "看过病",
    "就诊记录",
    "住过院",
    "开始交的",
    "开始缴的",
    "被冻结",
    "冻结了",
)
# The employer's duty to tell its staff ("单位是不是要每年跟员工公布社保费交了多少") is a policy question.
_TO_STAFF = re.compile(
    r"(?:跟|向|对|给)(?:全体)?(?:员工|职工)(?:们)?(?:公布|公开|告知|通报|说明|书面告知|说|讲)"
    # The employees' right to be told ("员工有没有权利知道"): the resident is one of them.
    r"|(?:员工|职工)(?:们)?(?:有没有|有无|有)?权(?:利)?(?:知道|了解|知情|看|查)"
    r"|(?:不|没|没有|没给|不给)(?:给)?(?:全体)?(?:员工|职工)(?:们)?(?:交|缴|上|买|办)"
)
# Someone who only told the resident something ("同事跟我说医保的钱不是当月就到的").
_INFORMANT = re.compile(
    r"(?:同事|朋友|邻居|老邻居|同学|亲戚|别人|熟人|护士长|领导|经理|上司)(?:们)?(?:跟我|和我|给我|对我|都)?(?:说|讲|告诉我)"
    r"|我是[^，。,？?！!\s]{0,10}(?:员工|职工|经理|上司)(?=[，。,？?！!\s]|$)"
    # A place below or above, not a neighbour ("去楼下的北京银行打一下存折").
    r"|楼[下上]的?(?:北京银行|银行|超市|药店|医院|营业厅|网点|社区|诊所)"
    r"|楼[下上](?:新)?开了?(?:一)?(?:家|个)"
)
_LOOKUP = (
    "查",
    "核实",
    "核对一下",
    "想知道",
    "看看",
    "看一下",
    "看下",
    "发给我",
    "发我",
    "了解一下",
    "了解下",
    "看一眼",
    "告诉我",
    "帮我",
    "调出",
    "打印",
    "打一份",
    "给我看",
    "多少",
    "问她",
    "问他",
    "让我来问",
    "让我问",
    "托我问",
    "调一下",
    "调下",
    "调取",
    "统计",
    "名单",
    "给我说说",
    "想调",
    "要调",
    "瞅瞅",
    "瞅一眼",
    "瞅一下",
    "瞧瞧",
    "瞧一下",
    "报给我",
    "念给我",
    "说给我",
)
# Words holding "查" that look nothing up ("体检查出点小毛病").
# What the resident already looked up themselves ("我查了一下我的什么也没有") is not a request to look it up.
_NOT_LOOKUP = re.compile(
    r"检查|查出|调查|被查|查到了|查处|查实|抽查|核查|稽查|[我俺](?:自己)?查了(?:一下|一查|下)?(?:[我俺]|自己)的"
)
# People who are not family: even what they receive ("王大爷的养老金每个月有多少") is their own record.
_STRANGERS = (
    "邻居",
    # A former partner is no longer family who may ask on the insured's behalf.
    "前女友",
    "前男友",
    "前妻",
    "前夫",
    "的前任",
    "租客",
    "房客",
    "租户",
    "我前任",
    # A manager or boss is not family either ("帮我看看我们部门经理医保账户里有多少钱").
    "经理",
    "上司",
    "孤寡老人",
    "独居老人",
    "空巢老人",
    "老板自己的",
    # The boss's own records ("我老板的医保交了多少"), not what the boss pays for the resident.
    "老板的医保",
    "老板的社保",
    "老板医保账户",
    "老板社保账户",
    "老板医保卡",
    # Owners a property manager looks after, and a person known only by an ID number ("这有个身份证号 … 这人").
    "业主们",
    "业主的",
    "这人的",
    "这人医保",
    "这人社保",
    "查查这人",
    "查一下这人",
    "这个人的",
    "别人",
    "他人",
    "朋友",
    "同事",
    "亲戚",
    "同学",
    "熟人",
    "陌生人",
    "员工",
    "租客",
    "房客",
    "楼下",
    "雇主",
    "楼上",
    "房东",
    "叔叔",
    "阿姨",
    "大爷",
    "大妈",
    "大娘",
    "大叔",
    "辖区",
    "居委会",
    "这个人",
    "那个人",
    "隔壁",
    "室友",
    "楼里",
    "网格员",
    "楼门长",
    "下属",
    "手下",
    "几个老人",
    "科室主任",
    "我们主任",
    "我们领导",
    "我们经理",
    "我们科长",
    "主任的",
    "领导的",
    "经理的",
    "俺村的",
    "我们村的",
    "同村",
    "大伙儿",
    "大伙的",
    "大家的",
    "全村",
    "村民",
    "所有人的",
    "每个人的",
    "工友",
    "老乡",
    "我们村",
    "俺们村",
    "村里的",
    "对门",
    "对面的",
    "部门领导",
    "我是她领导",
    "我是他领导",
)
_ALLOWANCE_AMOUNT = re.compile(r"(?:补贴|津贴).{0,30}?(?:多少|标准|几百|几千)")
_STRANGERS_AMOUNTS = (
    "有多少",
    "一个月多少",
    "每个月多少",
    "每月多少",
    "拿多少",
    "发了多少",
    "每月交多少",
    "每个月交多少",
    "交了多少",
    "到账了没",
    "到账没",
    "到了没",
    "进了没",
    "发了没",
    "报了多少",
    "报销了多少",
    "花了多少",
    "进多少",
)
# Someone known by their job ("那个保安", "我们班组长王强"); "我是保安", "我是组长" is the resident.
_WORKER_NAMED = re.compile(
    r"(?:那个|这个|那位|这位|新来的|的|们)(?:保安|保洁|保姆|门卫|护工|班组长|组长|车间主任)"
    r"|(?:保安|保洁|保姆|门卫|护工|班组长|组长|车间主任)(?:的|大爷|大姐|师傅|阿姨)"
)
# A family member named as the owner ("我表哥的失业金", "我儿子单位给他交社保没有").
_KIN = re.compile(
    r"[我俺](?:的|家)?(?:表|堂)?(?:哥哥?|姐姐?|弟弟?|妹妹?|儿子|女儿|老公|老婆|媳妇|丈夫|妻子|爸爸?|妈妈?|父亲|母亲|爷爷|奶奶"
    r"|外公|外婆|姥姥|姥爷|婆婆|公公|老伴|爱人|叔叔?|舅舅?|姑姑?|孙子|孙女|女朋友|男朋友|对象|岳父|岳母|前夫|前妻"
    r"|老爸|老妈|老爹|老娘|先生|闺女|丫头|兄弟|姐妹"
    r"|小姨子?|大姨子?|小舅子|小叔子|大伯子|妯娌|连襟|大姑子|小姑子|姐夫|妹夫|嫂子|弟媳|儿媳|女婿|侄子|侄女|外甥女?)"
)
# Someone identified by an ID number ("身份证号1101…的人", "身份证后四位是3316的那个人").
_OTHER_BY_ID = re.compile(r"身份证(?:号码?|后四位)?(?:是)?\s*[\dXx*]{4,18}\s*[)）]?\s*(?:的|这个|那个)")
# Someone called by a nickname or half-hidden name ("小王的", "老李家", "刘某").
# Common surnames: a nickname (小王, 老李) or a full name (李建国) starts with one.
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯董程曹袁邓许沈彭吕苏卢蒋蔡贾丁魏薛叶潘杜夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔毛邱秦江史顾侯邵孟万段雷钱汤尹黎常武乔贺龚"
# A colleague named by nickname or full name ("我们单位新来的小王，", "单位李娟的社保"), not "单位方面的社保".
_COLLEAGUE_NAMED = re.compile(
    r"(?:单位|公司|部门|科室|厂里|车间|班上)(?:新来的|的)?(?!方面|万一|常年|石油|金融|江湖)"
    rf"(?:(?:小|老)[{_SURNAMES}](?:的|，|,|\s)|[{_SURNAMES}][\u4e00-\u9fff]{{1,2}}的(?:社保|医保|缴费|个人账户|公积金|养老|账户))"
)
_ALIAS = re.compile(rf"(?<![我你他她养])(?:小|老)[{_SURNAMES}](?:的|家)|[王李张刘陈杨赵黄周吴徐孙胡朱]某")
# A look-up in the strict sense, and the personal accounts it could be about ("帮我查一下我爸的医保账户").
_STRICT_LOOKUP = re.compile(
    r"(?:帮|给|替|能|你|想|要|让|托)(?:我|忙|他|她)?去?查|查(?:一下|一查|查|下|询|看)|调出|调取|帮(?:我|忙|他|她)?(?:看|瞅|瞧)(?:下|一下|看|瞅|瞧)|(?:去|到)[\u4e00-\u9fff]{0,6}?(?:窗口|柜台|大厅)查"
)
_ACCOUNTS = (
    "账户",
    "帐户",
    "存折",
    "医保卡",
    "社保卡",
    "余额",
    "缴费",
    "报销",
    "养老金",
    "退休金",
    "失业金",
    "公积金",
    "结果",
    "医保钱",
    "交了几",
    "花了多少",
    "报了多少",
    "报销了多少",
    "还剩多少",
    "哪个单位",
    "哪家单位",
    "参保单位",
)
# When money arrives ("啥时候能进来", "几号到"), not when something happened to a record ("什么时候断的").
_WHEN = re.compile(
    r"(?:什么时候|啥时候|什么时间|哪天|几号|几月)(?:之前|以前|前)?(?:能|会|才|就|可以)?(?:到|进|来|打|发|划|有|看到|见到)"
)
# A balance, a sum or a contribution record is a record even when the resident also asks when money arrives;
# looking at the passbook ("打流水", "到没到") is only how a relative checks the arrival.
_BALANCE = (
    "余额",
    "里面多少钱",
    "里面有多少",
    "里头多少钱",
    "里头有多少",
    "里边多少钱",
    "还剩",
    "剩多少",
    "剩下多少",
    "还有多少钱",
    "有多少钱",
    "报销了多少",
    "交了多少",
    "缴了多少",
    "缴费记录",
    "缴费明细",
    "参保记录",
    "交没交",
    "缴没缴",
    "有没有交",
    "有没有缴",
    "断过",
    "账户信息",
    "个人信息",
    "身份证号",
)
_SURVIVOR_BENEFIT = re.compile(r"抚恤|丧葬|遗属|供养亲属|工亡补助|家属能领|家属领")
_DECEASED = re.compile(r"去世|过世|工亡|死亡|身亡|病故|殉职|人走了|人没了|出事没了")
_NAMED_PERSON = re.compile(
    r"(?:帮我|给我|替我|帮忙)?(?:查(?:询)?(?:一下|查|下)?|看看|看一下|看下|告诉我)"
    r"(?P<name>[\u4e00-\u9fff]{2,3})(?:的|今年|这个月|有没有|是不是|\s|[(（])"
)

_DATE_RE = re.compile(r"(?P<month>\d{1,2})\s*月(?:份)?\s*(?P<day>\d{1,2})\s*[号日]")
_MONTH_TOKEN = re.compile(
    r"(?:(?:\d{4}|去年|今年|前年|明年)年?)?\s*(?<!\d)(?P<month>\d{1,2})\s*月(?:份)?(?!\s*\d{1,2}\s*[号日])"
)
_PAYMENT_TOLD = re.compile(r"交|缴|补")
_NAMES_YEAR = re.compile(r"\s*(?:\d{4}|去年|今年|前年|明年)")
_NOW = re.compile(
    r"(?:(?:现在|这个月|这月|本月|今天|今儿个|今儿|这会儿|眼下|目前|如今)(?:都|已经|也)?(?:是|到了)?|这不(?:都)?到|眼看(?:就)?到|马上(?:就)?到)\s*$"
)
# Today's date as the resident tells it ("今天8月20号，…这个月的钱"): the month "这个月", "上个月" count from.
_TODAY_TOLD = re.compile(r"(?:今天|今儿个|今儿|今日|现在)(?:是|都)?\s*(?P<month>\d{1,2})\s*月\s*\d{1,2}\s*[号日]")
_RELATIVE_MONTH = re.compile(r"上上个月|上上月|上个月|上月|这个月|本月|当月|这月|下个月|下月")
# The employer paid a month's contribution later ("6月的医保费8月才交上").
_PAID_LATE = re.compile(
    r"(?P<month>\d{1,2})\s*月(?:份)?\s*[)）]?\s*(?:\d{1,2}\s*(?:号|日)\s*)?(?:给我|给|才给|帮我)?\s*(?:(?:才|再|又|的时候才|底才|初才|中旬才|下旬才|一起|一次性|1起|1次性)\s*"
    r"(?:补)?(?:交|缴|到位|补|划|打|付|扣)|(?:补)?(?:交|缴)(?:的|上|了)|补(?:上|了|齐))"
)
_PAID_IN = re.compile(
    r"(?:拖到|推到|晚到|迟到|延到|到了)\s*(?P<month>\d{1,2})\s*月(?:份)?(?!\s*\d{1,2}\s*[号日])\s*(?:才)?\s*(?:交|缴|补|到位)?"
    r"|(?P<month2>\d{1,2})\s*月(?:份)?\s*(?:才|再)\s*(?:给我|给|帮我)?\s*把"
    # "单位实际缴费是11月，但缴的是8月的费"
    r"|实际(?:上)?(?:缴费|交费|缴款|缴|交|到位|付款|扣款)(?:的)?(?:时间|日期|月份)?(?:是|在)\s*(?P<month3>\d{1,2})\s*月"
)
# Paid in a month named relative to now ("上个月单位补交了我7月的医保", "这个月才缴的", "说下个月再交").
_PAID_RELATIVE = re.compile(
    r"(?P<relative>上上个月|上个月|上月|这个月|本月|这月|下个月|下月)\s*(?:单位|公司)?\s*(?:才|再|又|一起|一次性)?\s*"
    r"(?:补交|补缴|交|缴)"
)
# When the money was seen arriving ("7月份的医保钱是9月初才进来的"): not a month asked about.
_ARRIVAL_DAY_ASKED = re.compile(r"\s*(?:的)?\s*(?:几号|几日|哪天|哪一天)")
_PERSON_BEFORE_MONTH = re.compile(r"(?:他|她|我|俺)(?:的)?\s*$")
_SEEN_ARRIVAL = re.compile(
    r"\d{1,2}\s*月(?:份)?\s*(?:初|底|中旬|下旬|末|中)?\s*才?\s*(?:进来|进的|到的|到账的|打进来|划进来)"
)
_YEARS_RE = re.compile(r"(?<![\d.])(?P<years>\d{1,2}(?:\.\d)?)\s*(?:个)?\s*(?P<half>年半|年)")
# A span of calendar years ("从2012年1月交…一直交到2024年12月"): both ends count when months are given.
_YEAR_SPAN_RE = re.compile(
    r"(?P<y1>(?:19|20)\d{2})\s*年\s*(?:(?P<m1>\d{1,2})\s*月)?(?:(?!(?:19|20)\d{2}).){0,14}?(?:到|至|-|—|~)\s*"
    r"(?P<y2>(?:19|20)\d{2})\s*年\s*(?:(?P<m2>\d{1,2})\s*月)?"
)
_MONTHS_COUNT_RE = re.compile(r"(?P<months>\d{1,3})\s*个\s*月")
_AMOUNT_RE = re.compile(r"(?P<amount>\d+(?:\.\d+)?)\s*(?P<unit>万|千|k|K|w|W)?\s*(?:多)?(?:元|块|块钱|rmb|RMB)")
# A sum owed without 元 ("欠了2万", "欠了20000社保费": cn2an writes 两万 as 20000); not a count of days or months.
_AMOUNT_BARE_RE = re.compile(
    r"(?:欠|拖欠|欠缴|少缴|少交|欠了|拖了)\D{0,6}?"
    r"(?:(?P<amount>\d+(?:\.\d+)?)\s*(?P<unit>万|千|w|W)|(?P<plain>\d{3,})(?!\s*(?:个|天|日|年|月|号|次|%|\d)))"
)
_DAYS_RE = re.compile(r"(?P<days>\d{1,4})\s*(?:天|日)(?!前)")
_ACCIDENT_DATE = re.compile(r"(?:(?P<year>\d{4})\s*年)?\s*(?P<month>\d{1,2})\s*月\s*(?P<day>\d{1,2})\s*[号日]")


def arabic_numerals(text: str) -> str:
    """Chinese numerals as digits (七年 → 7年, 一万五千元 → 15000元), for reading numbers only."""
    if not text:
        return ""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            value = cn2an.transform(text, "cn2an")
        except Exception:  # cn2an rejects some mixed forms; the digits already in the text still count
            value = text
    # cn2an leaves month words with 份 alone; 十月 → 10月 for the month parser is handled there.
    return value


@dataclass(frozen=True)
class MonthsMentioned:
    contribution: Optional[YearMonth] = None  # the month whose money the resident asks about
    paid_in: Optional[YearMonth] = None  # the month the employer actually paid it (paid late)
    claimed_arrival: Optional[date] = None  # a date the resident was told ("2月5号就到账了")
    # Every month asked about, in order, when there are several ("我问三月份的，他问六月份的").
    asked: tuple[YearMonth, ...] = ()


def categories_mentioned(text: str) -> list[PersonCategory]:
    """Every person category the message tells, in order: named ones, else read from context.

    Two people in one message ("我在厂里上班，我爸退休了", "我和我爸一个在职一个退休") give two categories.
    """
    mentions = _category_mentions(text)
    named = _distinct(category for _, category, is_named in mentions if is_named)
    everything = _distinct(category for _, category, _ in mentions)
    speaks_for_others = any(word in text for word in _RELATIVES) or bool(_SEVERAL_PEOPLE.search(text))
    if named and not speaks_for_others:
        return named
    # One person told only by context: a retiree's employer words are the past ("单位…退下来，领养老金了").
    if not speaks_for_others and {PersonCategory.IN_SERVICE, PersonCategory.RETIRED} <= set(everything):
        return [c for c in everything if c is not PersonCategory.IN_SERVICE]
    return everything


def _distinct(categories) -> list[PersonCategory]:
    found: list[PersonCategory] = []
    for category in categories:
        if category not in found:
            found.append(category)
    return found


def _category_mentions(text: str) -> list[tuple[int, PersonCategory, bool]]:
    """(position, category, named) of every category word; the longest word wins where words overlap
    ("没退休" is in service, not "退休"; "离退休" names no category)."""
    taken = [False] * len(text)
    for past in _PAST_WORK_SPAN.finditer(text):
        taken[past.start() : past.end()] = [True] * (past.end() - past.start())
    found = []
    for word, category, is_named in _CATEGORY_WORDS:
        start = text.find(word)
        while start != -1:
            end = start + len(word)
            if not any(taken[start:end]):
                taken[start:end] = [True] * len(word)
                if category is not None:
                    found.append((start, category, is_named))
            start = text.find(word, start + 1)
    return sorted(found, key=lambda mention: mention[0])


def months_mentioned(text: str, today: date) -> MonthsMentioned:
    """The contribution month, the month it was paid in if late, and any arrival date the resident was told.

    With several months named, the last one other than the payment month is the one asked about
    ("这不到十二月了嘛，那十一月的钱几号到" → 11月).
    """
    value = arabic_numerals(text)
    claimed = _claimed_date(value, today)
    paid_in = None
    without_dates = _without_dates(value)
    tokens = [(match, _month(match.group(0), today)) for match in _MONTH_TOKEN.finditer(without_dates)]
    tokens = [(match, month) for match, month in tokens if month]
    # "现在都7月了，上个月的钱": months named relative to the month the resident says it is now count from it.
    now_told = [month for match, month in tokens if _NOW.search(without_dates, 0, match.start())]
    told = _TODAY_TOLD.search(value)
    now = now_told[-1] if now_told else (_month(told.group("month") + "月", today) if told else None)
    anchor = date(now.year, now.month, 1) if now is not None else today
    late = _PAID_LATE.search(value) or _PAID_IN.search(value)
    relative = None
    if late:
        paid_in = _month(next(m for m in late.groupdict().values() if m) + "月", today)
    elif relative := _PAID_RELATIVE.search(value):
        paid_in = _month(relative.group("relative"), anchor)
    if len(tokens) > 1:
        # "一月那份…二月份几号之前到": a month followed by "几号" is when it arrives, not whose money it is.
        # A person's own month is not ("我在职问2月的；我爸退休了，他4月的几号到").
        tokens = [
            t
            for t in tokens
            if not _ARRIVAL_DAY_ASKED.match(without_dates, t[0].end())
            or _PERSON_BEFORE_MONTH.search(without_dates, 0, t[0].start())
        ] or tokens
        # "这个月是7月，6月份的医保钱…": the month it is now is not a month asked about, unless a payment
        # is told ("这个月是5月，交的是4月的": the month it was paid in).
        if paid_in is None and not _PAYMENT_TOLD.search(without_dates):
            tokens = [t for t in tokens if not _NOW.search(without_dates, 0, t[0].start())] or tokens
    # "去年12月的钱…12月份的钱几号之前到": the same month told twice, once with its year.
    with_year = {m.month: m for match, m in tokens if _NAMES_YEAR.match(match.group(0))}
    months = [with_year.get(month.month, month) for _, month in tokens]
    asked = [m for m in months if paid_in is None or m != paid_in]
    contribution = asked[-1] if asked else None
    # The relative month that tells the payment ("这个月才补交") is not the one asked about.
    unpaid_text = value[: relative.start()] + value[relative.end() :] if relative else value
    relatives = _RELATIVE_MONTH.findall(_without_dates(unpaid_text))
    # Only when no other month is named ("…8月的钱还没到，今天是8月20号": August is asked).
    if relatives and now is not None and all(m in now_told for m in asked):
        contribution = _month(relatives[-1], anchor)
    if contribution is None and relatives:
        contribution = _month(relatives[-1], today)
    if contribution is None and paid_in is not None:
        contribution, paid_in = paid_in, None  # "单位10月缴的医保": the month itself
    if paid_in is not None and contribution is not None and contribution > paid_in:
        contribution = contribution.plus_months(-12)  # "1月的钱拖到4月才交": last January, not next
    if paid_in is not None and contribution is not None and paid_in <= contribution:
        paid_in = None  # "1月的钱1月才交" is not late
    several = tuple(dict.fromkeys(asked)) if paid_in is None and claimed is None and len(set(asked)) > 1 else ()
    return MonthsMentioned(contribution, paid_in, claimed, several)


def _without_dates(text: str) -> str:
    """The text without day dates and arrivals seen ("2月5号", "7月份的钱是9月初才进来的"): no month asked there."""
    return _SEEN_ARRIVAL.sub(" ", _DATE_RE.sub(" ", text))


def _month(text: str, today: date) -> Optional[YearMonth]:
    try:
        return parse_month(text, today)
    except MonthParseError:
        return None


# A date the resident was told the money arrives on ("2月5号就到账了"), not today's date ("今天12月1号了").
_CLAIMED_DATE_RE = re.compile(
    _DATE_RE.pattern + r"\s*(?:前|之前)?\s*(?:就|才|会|能|可以|会|肯定)?\s*(?:到账|到帐|到了|到(?!位)|打|进|划)"
)


def _claimed_date(text: str, today: date) -> Optional[date]:
    match = _CLAIMED_DATE_RE.search(text)
    if not match:
        return None
    month, day = int(match.group("month")), int(match.group("day"))
    try:
        candidate = date(today.year, month, day)
    except ValueError:
        return None
    return candidate


def accident_date(text: str, today: date) -> Optional[date]:
    """A date in the message ("3月10号受的伤"): the most recent such date not after today."""
    match = _ACCIDENT_DATE.search(arabic_numerals(text))
    if not match:
        return None
    month, day = int(match.group("month")), int(match.group("day"))
    year = int(match.group("year")) if match.group("year") else today.year
    try:
        found = date(year, month, day)
    except ValueError:
        return None
    if not match.group("year") and found > today:
        try:
            found = date(year - 1, month, day)
        except ValueError:
            return None
    return found


def years_mentioned(text: str) -> Optional[float]:
    """Years of contribution ("交了7年", "十二年", "8年半"); months alone ("30个月") are turned into years."""
    value = arabic_numerals(text)
    # A count the resident gives ("1965年出生到2025年退休，交了20年") wins over a span of calendar years.
    match = _YEARS_RE.search(value.replace("年多", "年"))
    if match:
        years = float(match.group("years")) + (0.5 if match.group("half") == "年半" else 0)
        extra = re.search(r"年\s*(?:零)?\s*(\d{1,2})\s*个\s*月", value[match.start() :])
        if extra:
            years += int(extra.group(1)) / 12
        return years
    span = _YEAR_SPAN_RE.search(value)
    if span and int(span.group("y2")) > int(span.group("y1")):
        years = int(span.group("y2")) - int(span.group("y1"))
        if span.group("m1") and span.group("m2"):
            years += (int(span.group("m2")) - int(span.group("m1")) + 1) / 12
        return years
    months = _MONTHS_COUNT_RE.search(value)
    if months and int(months.group("months")) >= 12:
        return int(months.group("months")) / 12
    return None


_UNCLAIMED_RE = re.compile(r"(?:还剩|剩下|剩了|还有)\s*(?P<left>\d{1,2})\s*个\s*月")
_ENTITLED_RE = re.compile(r"(?:本来|原来|当时|上回|上次|第一次)?(?:能|可以|该)领\s*(?P<entitled>\d{1,2})\s*个\s*月")
_CLAIMED_RE = re.compile(r"(?:只)?领了\s*(?P<claimed>\d{1,2})\s*个\s*月")


def unclaimed_months_mentioned(text: str) -> Optional[int]:
    """Months of unemployment benefit left unclaimed from an earlier spell ("还剩6个月没领", "本来能领18个月
    领了10个月"), which 社会保险法 第四十六条 adds to the new entitlement."""
    value = arabic_numerals(text)
    left = _UNCLAIMED_RE.search(value)
    if left:
        return int(left.group("left"))
    entitled, claimed = _ENTITLED_RE.search(value), _CLAIMED_RE.search(value)
    if entitled and claimed and int(claimed.group("claimed")) <= int(entitled.group("entitled")):
        return int(entitled.group("entitled")) - int(claimed.group("claimed"))
    return None


_GRADE_RE = re.compile(r"(?P<grade>10|[1-9])\s*级(?:伤残|残疾)?|伤残\s*(?P<after>10|[1-9])\s*级")
_WAGE_RE = re.compile(
    r"(?:本人工资|工资|月薪|月工资)\D{0,4}?(?P<wage>\d{3,6}(?:\.\d+)?)|(?P<monthly>\d{3,6})\s*(?:元|块)?\s*(?:一个月|每月|每个月)"
)


def disability_grade_mentioned(text: str) -> Optional[int]:
    """The disability grade of a work injury ("评了一级", "九级伤残", "伤残五级"), 1 to 10."""
    match = _GRADE_RE.search(arabic_numerals(text))
    if not match:
        return None
    return int(match.group("grade") or match.group("after"))


def wage_mentioned(text: str) -> Optional[float]:
    """A monthly wage ("本人工资按6000算", "工资4500一个月")."""
    # Digits as typed first: cn2an reads "4500一个月" as 45001个月.
    match = _WAGE_RE.search(text) or _WAGE_RE.search(arabic_numerals(text))
    if not match:
        return None
    return float(match.group("wage") or match.group("monthly"))


def service_years_mentioned(text: str) -> Optional[float]:
    """Time worked for one employer ("干了3年零8个月", "工作8个月"): years, months alone included."""
    years = years_mentioned(text)
    if years is not None:
        return years
    months = _MONTHS_COUNT_RE.search(arabic_numerals(text))
    return int(months.group("months")) / 12 if months else None


def amount_mentioned(text: str) -> Optional[float]:
    """A sum of money in yuan ("1万元", "5000块", "欠了2万")."""
    value = arabic_numerals(text)
    match = _AMOUNT_RE.search(value) or _AMOUNT_BARE_RE.search(value)
    if not match:
        return None
    if match.groupdict().get("plain"):
        return float(match.group("plain"))
    amount = float(match.group("amount"))
    unit = match.group("unit")
    if unit in ("万", "w", "W"):  # "5w": 五万, as typed on phones
        amount *= 10000
    elif unit in ("千", "k", "K"):
        amount *= 1000
    return amount


def days_mentioned(text: str) -> Optional[int]:
    """A number of days overdue ("拖了60天"); months ("3个月") count as 30 days each."""
    value = arabic_numerals(text)
    match = _DAYS_RE.search(_DATE_RE.sub(" ", value))
    if match:
        return int(match.group("days"))
    months = _MONTHS_COUNT_RE.search(value)
    if months:
        return int(months.group("months")) * 30
    return None


_HUMAN_WORDS = (
    "转人工",
    "人工客服",
    "人工服务",
    "找人工",
    "要人工",
    "找真人",
    "真人客服",
    "转接人工",
    "找客服",
    "接人工",
)


# A question about a hotline's own human service ("12333人工服务几点到几点") asks for no person here.
_HOTLINE_HOURS = re.compile(
    r"(?<!\d)(?:12333|12393|12329|12345)(?!\d)(?:.{0,6}(?:人工|客服).{0,8}"
    r"(?:几点|时间|上班|下班|周末|节假日|打不通|怎么转|怎么按|咋转|转不了|语音|多久|等多久|晚上|有人接)"
    r"|.{0,4}(?:咋|怎么|怎样|如何)(?:才能)?(?:转|接|按|找)?到?(?:人工|客服)"
    r"|.{0,6}(?:占线|打不通|没人接|语音导航|总是语音|一直是语音).{0,14}(?:人工|客服))"
)

# Asked of us, even about a hotline ("12333打不通，你帮我转人工吧").
_ASKS_US = re.compile(r"(?:你|您|帮我|给我|替我)(?:们)?(?:帮我|给我)?(?:转|找|接)|我要(?:转)?人工|转人工吧")


def asks_for_a_human(text: str) -> bool:
    """An explicit request for a person ("我的电话是…，我要转人工"), whatever else the message says."""
    if not any(word in text for word in _HUMAN_WORDS):
        return False
    return not _HOTLINE_HOURS.search(text) or bool(_ASKS_US.search(text))


_ENGLISH_OTHER_OWNER = re.compile(
    r"\b(?:my|our)\s+(?:colleague|coworker|co-worker|neighbou?r|friend|employee|tenant|landlord|ex-wife|ex-husband"
    r"|mother|father|mom|mum|dad|wife|husband|son|daughter|brother|sister|grandmother|grandfather|parents?)'?s?\b"
    r"|\b(?:someone else|another person|other people|somebody else)\b|\b[A-Z][a-z]+ [A-Z][a-z]+'s\b"
)
_ENGLISH_RECORDS = re.compile(r"\b(?:balance|records?|contributions?|history|statement|how much|account|paid)\b", re.I)
_ENGLISH_LOOKUP = re.compile(
    r"\b(?:check|look up|lookup|find out|see|tell me|show me|query)\b|\bhow much (?:money )?is left\b|\bwhat'?s left\b",
    re.I,
)


_ENGLISH_MONTHS = tuple(name.lower() for name in ENGLISH_MONTH_NAMES)
_ENGLISH_MONTH_RE = re.compile(
    r"\b(?P<name>" + "|".join(f"{m[:3]}(?:{m[3:]})?" for m in _ENGLISH_MONTHS) + r")\b\.?(?:'s)?", re.I
)
_ENGLISH_DAY_BEFORE = re.compile(r"\b\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?$", re.I)
_ENGLISH_DAY_AFTER = re.compile(r"\s+\d{1,2}(?:st|nd|rd|th)?\b", re.I)
_ENGLISH_PAID_IN = re.compile(r"\b(?:paid|pays|paying|payment|arrived|came)\b[^.?!]{0,60}?\b(?:in|on|until)\s+$", re.I)
_ENGLISH_CATEGORY_WORDS = (
    (
        re.compile(r"\b(?:retired|retiree|retirees|pensioner|pensioners|retirement pension)\b", re.I),
        PersonCategory.RETIRED,
    ),
    (
        re.compile(
            r"\b(?:employee|employees|employed|still working|working|in[- ]service|my job|new job|just started|started work|started a job|joined a company|my employer|my company"
            r"|i work|i have a job|work for|work at)\b",
            re.I,
        ),
        PersonCategory.IN_SERVICE,
    ),
)


def english_months_in_chinese(text: str) -> str:
    """An English question's months, categories and late payment told the way months_mentioned and
    categories_mentioned read them ("My employer paid May's contribution late, in July" → "在职5月的钱7月才交")."""
    said = []
    for pattern, category in _ENGLISH_CATEGORY_WORDS:
        found = pattern.search(text)
        if found:
            said.append((found.start(), category.label))
    parts = [label for _, label in sorted(said)]
    paid = None
    for match in _ENGLISH_MONTH_RE.finditer(text):
        month = next(i for i, m in enumerate(_ENGLISH_MONTHS, 1) if m.startswith(match.group("name")[:3].lower()))
        if match.group("name").lower() == "may" and re.match(r"\s+(?:i|we|you|my)\b", text[match.end() :], re.I):
            continue  # the verb ("May I ask…")
        if _ENGLISH_DAY_BEFORE.search(text[: match.start()]) or _ENGLISH_DAY_AFTER.match(text[match.end() :]):
            continue  # a date ("by 5 March", "on March 5th"): when the money arrives, not whose money it is
        if _ENGLISH_PAID_IN.search(text[: match.start()]):
            paid = month
        else:
            parts.append(f"{month}月的钱")
    if paid:
        parts.append(f"单位{paid}月才交")
    return "，".join(parts)


def asks_for_someone_elses_records_english(text: str) -> bool:
    """The English form of asks_for_someone_elses_records ("Can you check my colleague Li Na's account balance?")."""
    return bool(_ENGLISH_OTHER_OWNER.search(text) and _ENGLISH_RECORDS.search(text) and _ENGLISH_LOOKUP.search(text))


_SENTENCE_END = re.compile(r"[。？！?!]+")
_OWN_QUESTION_LENGTH = 12


def _last_sentence(text: str) -> str:
    sentences = [s for s in _SENTENCE_END.split(text) if s.strip()]
    return sentences[-1] if sentences else text


def asks_for_someone_elses_records(text: str) -> bool:
    """A request to look up another person's balance or records ("帮我查一下我邻居张三的医保账户还剩多少钱")."""
    text = _INFORMANT.sub(" ", _TO_STAFF.sub(" ", text))
    if not any(word in _NOT_LOOKUP.sub(" ", text) for word in _LOOKUP):
        return False
    records = any(word in text for word in _RECORDS)
    stranger = (
        any(word in text for word in _STRANGERS)
        or bool(_COLLEAGUE_NAMED.search(text))
        or bool(_WORKER_NAMED.search(text))
        or (bool(_OTHER_BY_ID.search(text)) and not any(word in text for word in ("我的身份证", "本人身份证")))
    )
    # A survivor asking what the family receives after a death asks the rule for themselves ("我丈夫工亡了 …
    # 每个月能领多少抚恤金"), not the deceased's records.
    # So does anyone asking what a deceased worker's family receives, unless they ask to look it up
    # ("工地有个老乡干活出事没了 家属能领多少一次性工亡补助金").
    if (
        _SURVIVOR_BENEFIT.search(text)
        and _DECEASED.search(text)
        and (not stranger or not _STRICT_LOOKUP.search(_NOT_LOOKUP.sub(" ", text)))
    ):
        return False
    if stranger and (records or any(word in text for word in _STRANGERS_AMOUNTS + _STRANGERS_RECORDS)):
        return True
    # A stranger's own account looked into ("想看看我租客的医保个人账户里有没有钱").
    # Not "别人的医保卡" used by someone: that is the rule on using another person's card. An amount ("多少") is no
    # look-up here.
    looked_into = _NOT_LOOKUP.sub(" ", text)
    if any(word in looked_into for word in _LOOKUP if word != "多少") and any(
        f"{word}的{account}" in text
        for word in _STRANGERS
        if word not in ("别人", "他人")
        for account in _ACCOUNTS + ("医保", "社保", "公积金")
    ):
        return True
    # What an allowance pays a relative is its standard, not their record ("我老娘八十五了，高龄津贴一个月有多少钱").
    if (
        not stranger
        and _ALLOWANCE_AMOUNT.search(text)
        and not any(word in text for word in _ACCOUNTS)
        and not _STRICT_LOOKUP.search(_NOT_LOOKUP.sub(" ", text))
    ):
        return False
    # When a relative's money arrives is the rule, not their record ("我妈让我查查她十二月的钱啥时候能进来").
    # In a story, a last sentence that is a question of its own is what is asked: the money the resident once
    # looked at is not ("…看看医保卡里有多少钱。我想问问，我这个在职的5月份的钱几号到？"); "几号能到？" is a follow-up.
    question = _last_sentence(text)
    if not stranger and any(
        _WHEN.search(part) and not any(word in part for word in _BALANCE)
        for part in (text, question if len(question) >= _OWN_QUESTION_LENGTH else text)
    ):
        return False
    someone = stranger or any(word in text for word in _THIRD_PARTY) or _KIN.search(text) or _ALIAS.search(text)
    if someone and _STRICT_LOOKUP.search(_NOT_LOOKUP.sub(" ", text)) and any(word in text for word in _ACCOUNTS):
        return True
    named = _NAMED_PERSON.search(text)
    # A person's name starts with a surname: "查一下社保的缴费记录" names no one.
    named = bool(named) and named.group("name")[0] in _SURNAMES
    if named and any(word in text for word in _STRANGERS_AMOUNTS):  # "查一下李建国的养老金每月多少"
        return True
    if not records:
        return False
    return bool(someone) or named
