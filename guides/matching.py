"""Which service guide answers a resident's question? Pure Python, no Django models.

The desk console (``guides.services.suggest``), the public search box and ``manage.py guides_evaluate`` all rank
through ``GuideIndex.rank``, so the figures the evaluation prints are the figures the desk sees.

How a question meets a guide, and why:
1. ``normalise``: residents ask in Shanghainese and in everyday words ("阿拉姆妈想住敬老院，要啥条件伐"). The
   hook uses ``insight.dialect`` when that module exists and then this module's own small table of common
   Shanghainese function words (阿拉 → 我们, 伐 → 吗, 勿 → 不 …). Matching reads the raw text as well as the
   normalised one, so a normaliser that rewrites too much never hides a word the resident actually said.
2. Tokens: character bigrams (Chinese needs no word segmentation for this, and typos or new place names do not
   break it) with filler removed ("请问", "怎么", "有没有" occur in every question and would match guide names such
   as "补偿款怎么算"), plus concept tokens from ``CONCEPTS``: groups of words that mean the same thing at a desk
   (敬老院 / 养老院 / 老人院; 动迁 / 拆迁 / 征收; 钞票 / 钱). Concepts let "住老人院" meet a guide that says "入住
   养老机构" without the guide listing every way of saying it.
3. Scoring: BM25 over the guide's fields, each with a weight (the matter's name, tags and the residents' common
   phrasings count most; the legal basis least), plus the best cosine between the question and any one of the
   guide's common phrasings (a short question often is one of them, said differently). Single characters count too,
   at ``UNIGRAM_WEIGHT`` of a bigram: a word in no list ("寄到外地") still shares "寄" with the right guide, which
   then reaches the top three instead of nothing. A place the resident refuses ("覅去养老院，想请人上门") is taken
   out first (``unrefused``). The desk's topic multiplies its guides' scores by ``TOPIC_FACTOR``: the same
   question is asked at several desks ("户口迁移" at the housing desk), so the desk only tips close calls.
4. Confidence: a suggestion is *confident* when the score of its words (without the single characters and the
   desk's topic) clears ``CONFIDENT`` and it is close to the best guide; "厕所在哪里" matches nothing and the desk
   sees no suggestion rather than a guess.
"""

from __future__ import annotations

import contextlib
import importlib
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

#: Shanghainese (and a few colloquial) words → plain Mandarin. Longest first when applied.
DIALECT = {
    "阿拉": "我们", "侬": "你", "伊拉": "他们", "伊": "他", "伐": "吗", "勿要": "不要", "覅": "不要", "勿": "不",
    "屋里厢": "家里", "屋里": "家里", "搿个": "这个", "搿": "这", "迭个": "这个", "哪能": "怎么",
    "啥辰光": "什么时候", "辰光": "时候", "啥": "什么", "交关": "很多", "汏浴": "洗澡", "揩身": "擦身",
    "一家头": "一个人", "钞票": "钱", "铜钿": "钱", "几钿": "多少钱", "一个号头": "一个月", "号头": "月",
    "姆妈": "妈妈", "阿爸": "爸爸", "爷叔": "叔叔", "娘舅": "舅舅", "小囡": "小孩", "囡囡": "孩子", "晓得": "知道",
    "吃勿消": "受不了", "搬场": "搬家", "勒": "在", "中饭": "午饭", "夜饭": "晚饭", "困觉": "睡觉", "好伐": "好吗",
    "欢喜": "喜欢", "老早": "以前", "看毛病": "看病", "毛病": "病", "开刀": "手术",
    "小人": "小孩", "寻": "找", "物事": "东西", "工钿": "工资", "房钿": "房租", "饭钿": "饭钱", "一家门": "一家人",
    "自家": "自己", "跌跤": "摔跤", "汰浴": "洗澡", "吵相骂": "吵架", "相骂": "吵架", "打相打": "打架",
    "郎中": "医生", "我娘": "我妈", "阿拉娘": "我们妈妈",
    "啥地方": "哪里", "啥人": "谁", "做生活": "工作", "勿来事": "不行", "屋里向": "家里",
}  # fmt: skip

#: concept → words residents and guides use for it. A text with any of the words gets the concept token.
CONCEPTS: dict[str, tuple[str, ...]] = {
    "养老机构": ("养老院", "敬老院", "老人院", "福利院", "护理院", "养老机构", "养老公寓", "照护之家", "老年公寓",
                 "养护院", "机构养老", "二十四小时", "24小时", "全托", "长住"),
    # not 住到 / 送到: "住到新房子", "送到家里" are other matters; "住到敬老院" is caught by 养老机构 anyway
    "入住": ("入住", "住养老", "住敬老", "住老人", "住机构", "进养老", "进敬老", "床位", "轮候", "排队", "住进", "送进",
             "等床位", "空床", "送去住", "送他去", "送她去", "送伊去", "住进去"),
    "评估等级": ("照护等级", "护理等级", "几级", "一级", "二级", "三级", "四级", "五级", "六级", "评级", "需求评估",
                 "照护评估", "护理评估", "统一需求", "评等级", "级别", "等级", "评定", "评估员", "上门评估", "老年照护",
                 "照护需求"),
    "不能自理": ("不能自理", "瘫", "卧床", "中风", "失能", "失智", "坐不起", "走不动", "起不来", "生活不能", "瘫痪",
                 "痴呆", "偏瘫", "行动不便", "腿脚不便", "阿尔茨海默", "脑梗", "骨折", "跌倒", "摔跤", "糊涂",
                 "认不得人", "大小便"),
    "上门护理": ("护理员", "护工", "上门护理", "居家护理", "居家照护", "洗澡", "擦身", "喂饭", "长护险", "长期护理",
                 "翻身", "上门服务", "上门照顾", "上门照护", "派人上门", "请人护理", "在家护理", "在家照顾", "居家养老",
                 "照护服务", "护理服务"),
    "吃饭": ("吃饭", "助餐", "送餐", "送饭", "长者食堂", "老年食堂", "社区食堂", "食堂", "午饭", "晚饭", "订饭", "饭菜",
             "烧饭", "餐费", "份饭", "盒饭", "老年餐", "助餐点", "做饭", "配餐", "订餐", "吃不上", "烧不动", "饭桌",
             "牙口"),
    "征收": ("征收", "动迁", "拆迁", "旧改", "拆了", "拆房", "地块", "基地", "旧区改造"),
    "钱": ("钱", "补偿款", "补偿金", "款"),
    "补偿计算": ("怎么算", "算法", "算一下", "算不算", "总数", "多少钱", "拿多少", "能拿", "按面积", "按人头", "平方",
                 "面积", "单价", "价格补贴", "套型", "估算", "计算", "公式", "补多少", "补偿标准", "货币补偿",
                 "补偿方案", "能补多少", "补贴多少", "能分到多少", "居住困难", "托底"),
    "评估异议": ("评估报告", "评估价", "评估单价", "评估公司", "评估机构", "复核", "异议", "不服", "鉴定", "不认可",
                 "重新评估", "太低", "偏低", "评低", "评估师", "漏量", "没量", "少量", "量面积", "估价", "估低", "少算",
                 "算少", "漏算", "面积不对", "阁楼", "搭建", "旧里", "新里", "房屋等级", "成新", "没算进", "没算",
                 "漏掉"),
    "安置房": ("安置房", "产权调换", "换房", "要房子", "不要钱", "选房", "房源", "样板房", "交房", "期房", "现房",
               "楼层", "户型", "安置", "房型", "动迁房", "两室", "三室", "一室", "电梯", "朝南", "大套", "小套", "外环",
               "配套商品房", "保障房", "选哪套", "看房"),
    "奖励期限": ("奖励", "早签", "截止", "期限", "签约期", "搬迁期", "二轮征询", "征询", "签约比例", "生效", "几号",
                 "最后一天", "过期", "签约率", "晚签", "截止日期", "最迟", "最晚", "哪天签", "拖到最后", "拖着不签",
                 "最后签", "先签", "早点签", "逾期", "来不及", "还没签", "不签约", "签约时间", "什么时候签", "几时签",
                 "搬迁奖", "搬家奖", "晚几天", "晚点签", "迟签"),
    "分钱": ("分钱", "怎么分", "分配", "多分", "少分", "多拿", "要分", "分一份", "分一半", "有份", "平分", "份额",
             "分家", "继承", "遗产", "遗嘱", "公证", "承租人", "同住人", "过世", "去世", "走了", "不在了", "离世",
             "病故", "代位", "在册", "产权人", "归谁", "放弃继承", "分到", "的份", "全归", "归他", "归我", "独占",
             "独吞"),
    "家人": ("兄弟", "姐妹", "兄妹", "姐弟", "哥哥", "弟弟", "姐姐", "妹妹", "阿姐", "侄子", "叔叔", "儿子", "女儿",
             "儿媳", "婆媳", "子女", "一家人", "家里人", "亲戚", "阿哥", "阿弟", "阿妹", "嫂子", "女婿", "媳妇", "舅舅",
             "姑姑", "我哥", "我姐", "我弟", "我妹", "大哥", "大姐", "老大", "老二", "老三"),
    "调解": ("调解", "说和", "劝劝", "劝架", "评评理", "评理", "第三方", "和好", "矛盾", "吵架", "吵翻", "闹僵",
             "闹矛盾", "闹翻", "不说话", "不来往", "调停", "纠纷", "不和", "打架", "谈不拢", "打起来", "撕破脸", "断绝",
             "不管老人", "劝和", "老娘舅"),
    "律师": ("律师", "打官司", "官司", "起诉", "告他", "法院", "法律援助", "讨薪", "工钱", "欠薪", "工资", "诉讼",
             "仲裁", "法律咨询", "维权", "被告", "上诉", "判决", "工伤", "拖欠"),
    "没钱": ("没钱", "请不起", "拿不出", "不要钱", "困难", "低保户", "付不起", "交不起", "困难家庭", "减免"),
    "上学": ("上学", "读书", "转学", "入学", "学校", "学籍", "对口", "划片", "学区", "小学", "初中", "升学", "年级",
             "同学", "班主任", "幼儿园", "借读", "毕业", "就近入学", "转校", "插班", "入园", "托班", "中考", "高中"),
    "搬家": ("搬家", "搬走", "搬迁", "搬到", "搬出", "新房", "新家", "搬过去", "搬场"),
    "医保": ("医保", "就医", "看病", "配药", "医院", "报销", "异地", "备案", "社保卡", "医保卡", "结算", "门诊",
             "医疗费", "挂号", "住院", "医药费", "就诊", "自费", "医保账户"),
    "家庭医生": ("家庭医生", "签约医生", "1+1+1", "社区医院", "地段医院", "卫生服务中心", "长处方", "固定的医生",
                 "慢病", "慢性病", "高血压", "糖尿病", "多配", "延伸处方", "开药", "全科", "转诊"),
    "养老金": ("养老金", "退休金", "退休工资", "认证", "刷脸", "人脸", "生存证明", "停发", "领取资格", "待遇认证",
               "退休费", "没到账", "领不到"),
    "低保": ("低保", "最低生活", "困难补助", "救助", "低收入", "补差", "特困", "吃低保", "生活补助", "没有收入",
             "收入低", "生活费", "政府补助", "打零工", "没工作", "失业", "不能上班", "救济", "生活困难", "过不下去"),
    "租房": ("租房", "房租", "租金", "廉租", "公租房", "租赁", "过渡", "临时安置", "住房困难", "过渡费", "周转房",
             "租个房", "借房"),
    "买房": ("买房", "购房", "二手房", "契税", "首套", "二套", "贷款", "房贷", "中介", "房产证", "写名字", "不动产",
             "首付", "按揭", "买套", "买个房", "买新房", "限购", "购房资格", "买两套", "买房子", "个税", "所得税",
             "税费"),
    "搬运": ("搬家", "搬场", "搬运", "打包", "家具", "红木", "寄存", "存放", "搬场车", "搬场公司", "搬不动", "大件",
             "搬东西", "仓库", "衣橱", "冰箱", "箱子", "放哪", "没地方放", "堆放", "家当", "旧家具", "钢琴", "寄放",
             "东西多"),
    "孩子": ("孩子", "小孩", "儿童", "孙女", "孙子", "未成年", "学生", "小朋友", "子女", "外孙", "小学生", "中学生"),
    "侵害": ("欺负", "欺凌", "霸凌", "被打", "打孩子", "家暴", "没人管", "没大人", "一个人在家", "走失", "哭", "威胁",
             "骗着", "不回来", "虐待", "抢钱", "勒索", "陌生人", "猥亵", "性侵", "离家出走", "流浪", "打骂", "体罚",
             "不给饭吃", "留守", "辍学", "网瘾", "沉迷", "关在家", "逃学", "网吧", "旷课", "厌学", "管不了"),
    "户口": ("户口", "户籍", "落户", "迁户", "派出所", "户口本", "户口簿", "公共户", "人户分离", "空挂", "户口迁",
             "挂户口", "户口挂", "户口留"),
    "诈骗": ("骗", "诈骗", "骗子", "安全账户", "转账", "验证码", "投资", "理财", "高回报", "保健品", "手续费", "冒充",
             "高收益", "回报", "推销", "中奖", "洗钱", "涉嫌", "公检法", "上当", "骗局", "讲座", "磁疗", "保健", "养生",
             "会销", "免费领", "送鸡蛋", "包治", "刷单", "返利", "集资", "高息", "陌生电话", "客服", "退款", "以房养老",
             "养老项目"),
    "残疾": ("残疾", "残疾证", "残联", "评残", "重残", "轮椅", "辅具", "助行器", "助听器", "腿不好", "智力", "肢体",
             "视力", "听力", "精神残疾", "盲人", "聋", "残疾人", "看不见", "听不见", "耳聋", "截肢"),
    "快递": ("快递", "包裹", "代收", "取件码", "快递柜", "驿站", "寄东西", "寄件", "网购", "丰巢", "快递员", "送上楼",
             "退回", "收件", "取快递", "寄到", "邮寄", "寄给", "寄回", "寄过去", "寄去", "怎么寄"),
    "老人": ("老人", "老年", "老伴", "老头子", "老太太", "老太婆", "妈妈", "爸爸", "我妈", "我爸", "老娘", "爷爷",
             "奶奶", "外婆", "外公", "七十", "八十", "九十", "老母亲", "老父亲", "老爷子", "婆婆", "公公", "阿婆",
             "老伯伯"),
}  # fmt: skip
CONCEPT_WEIGHT = 2.0
UNIGRAM, UNIGRAM_WEIGHT = (
    "·",
    0.2,
)  # a single character: a fallback when the resident's word is in no list, never the lead
ASK_CLAUSES, ASK_WEIGHT = 3, 1.5  # a question of more clauses: its last two weigh more

#: Words in every question: they would match guide names like "补偿款怎么算" for no reason.
FILLER = (
    "请问", "怎么办", "怎么样", "怎么", "什么", "哪里", "哪个", "哪家", "可以", "能不能", "能否", "是不是", "有没有",
    "要不要", "还能", "还是", "一下", "我们", "我家", "自己", "现在", "这个", "那个", "这种", "就是", "到底", "知道",
    "听说", "居民", "问问", "想问", "一个", "一点", "这样", "如果", "的话", "吗", "呢", "吧", "啊", "呀", "的", "了",
    "是", "我", "你", "他", "她", "在", "有", "和", "也", "都", "就", "还", "要", "会", "能", "去", "说", "讲",
)  # fmt: skip

_NOISE = re.compile(r"[\s\W_]+")
_CLAUSE = re.compile(r"[，。？！；,.?!;\n]")
_FILLER_RE = re.compile("|".join(sorted(map(re.escape, FILLER), key=len, reverse=True)))
_DIALECT_RE = re.compile("|".join(sorted(map(re.escape, DIALECT), key=len, reverse=True)))

#: Field weights: how much a match in each field of a guide counts.
FIELD_WEIGHTS = {
    "name": 3.0,
    "tags": 2.5,
    "questions": 2.0,
    "summary": 1.5,
    "conditions": 0.6,
    "process": 0.4,
    "materials": 0.3,
    "basis": 0.2,
}
PHRASING_WEIGHT = 6.0  # the best single phrasing's cosine, scaled to BM25's range
#: The desk's topic: guides of the desk's topic score ``TOPIC_FACTOR`` times as much, plus a tie-breaker. A
#: multiple, not only a constant: scores run from 5 to 150 with the question's length, and a constant that matters
#: for a short question is lost in a long one. Kept small because a third of the questions are asked at another
#: desk than the guide's ("户口迁移" at the housing desk).
TOPIC_FACTOR = 1.15
TOPIC_BONUS = 0.5
K1, B = 1.2, 0.75
#: A suggestion is confident when its score per square root of the question's tokens reaches this, and it is
#: close to the best one.
CONFIDENT = 9.0
CLOSE = 0.8


# 1. Normalising ---------------------------------------------------------------------------------------------------
_dialect_module: object | None = None
_dialect_checked = False


def _dialect_normaliser():
    """``insight.dialect.normalise`` (or ``normalize``) once that module exists; looked up once per process."""
    global _dialect_module, _dialect_checked
    if not _dialect_checked:
        _dialect_checked = True
        try:
            module = importlib.import_module("insight.dialect")
        except ImportError:
            module = None
        _dialect_module = getattr(module, "normalise", None) or getattr(module, "normalize", None)
    return _dialect_module


def plain(text: str) -> str:
    """This module's own Shanghainese → Mandarin table (function words and everyday nouns)."""
    return _DIALECT_RE.sub(lambda m: DIALECT[m.group(0)], text or "")


def normalise(text: str) -> str:
    """The hook for dialect and plain-speech normalisation: ``insight.dialect`` first when it exists, then ``plain``."""
    text = text or ""
    external = _dialect_normaliser()
    if external is not None:
        with contextlib.suppress(Exception):  # a broken normaliser must not stop the desk from answering
            result = external(text)
            if isinstance(result, str) and result.strip():
                text = result
    return plain(text)


# 2. Tokens ---------------------------------------------------------------------------------------------------------
_CONCEPT_RES = {c: re.compile("|".join(map(re.escape, words))) for c, words in CONCEPTS.items()}


#: "不想去养老院" / "覅去敬老院": a place the resident refuses is not what they ask about. Only a refusal to go, live
#: or move somewhere is read this way; "不要钱" (wants the flat, not the money) stays a word of its own.
_REFUSED = re.compile(
    "(?:不|没|勿|覅)(?:要|想|肯|愿意|愿|打算|准备)?(?:去|住|进|搬去|搬到|搬进)(?:到|进)?(?:"
    + "|".join(sorted({re.escape(w) for words in CONCEPTS.values() for w in words}, key=len, reverse=True))
    + ")"
)


def unrefused(text: str) -> str:
    """The text without the places the resident says they will not go to."""
    return _REFUSED.sub("，", text)


def concepts(text: str) -> list[str]:
    return ["#" + c for c, pattern in _CONCEPT_RES.items() if pattern.search(text)]


def bigrams(text: str) -> list[str]:
    out = []
    for chunk in _NOISE.split(_FILLER_RE.sub(" ", text.lower())):
        if len(chunk) == 1:
            continue
        out += [chunk[i : i + 2] for i in range(len(chunk) - 1)]
    return out


def unigrams(text: str) -> list[str]:
    """Single characters, marked apart from bigrams (which never hold "·"): "寄" or "院" still say something when no
    word matched."""
    return [UNIGRAM + ch for chunk in _NOISE.split(_FILLER_RE.sub(" ", text.lower())) if len(chunk) > 1 for ch in chunk]


def tokens(text: str) -> Counter:
    """Bigrams, single characters and concept tokens of a guide's field (counted) — the same steps as a question's."""
    text = normalise(text)
    bag = Counter(bigrams(text))
    bag.update(unigrams(text))
    for c in concepts(text):
        bag[c] += 1
    return bag


def question_tokens(text: str) -> Counter:
    """A question's tokens: those of the raw text and of the normalised text, each once. In a long story the ask
    comes last ("……就想有个人来帮我们说和说和"), so the tokens of the last clauses weigh ``ASK_WEIGHT``."""
    raw = unrefused(text or "")
    norm = unrefused(normalise(text or ""))
    bag: Counter[str] = Counter(dict.fromkeys(set(bigrams(raw)) | set(bigrams(norm)), 1.0))
    for c in set(concepts(raw)) | set(concepts(norm)):
        bag[c] = CONCEPT_WEIGHT  # type: ignore[assignment]  # float weights (typeshed's Counter counts ints)
    for u in set(unigrams(raw)) | set(unigrams(norm)):
        bag[u] = UNIGRAM_WEIGHT  # type: ignore[assignment]  # float weights
    clauses = [c for c in _CLAUSE.split(norm) if c.strip()]
    if len(clauses) > ASK_CLAUSES:
        ask = "，".join(clauses[-ASK_CLAUSES:])
        for t in set(bigrams(ask)):
            bag[t] *= ASK_WEIGHT  # type: ignore[assignment]  # float weights (typeshed's Counter counts ints)
        for c in concepts(ask):
            bag[c] *= ASK_WEIGHT  # type: ignore[assignment]  # float weights (typeshed's Counter counts ints)
    return bag


def _norm(bag) -> float:
    return math.sqrt(sum(v * v for v in bag.values()))


def _best_cosine(question: Counter, norm: float, phrasings: list[tuple[Counter, float]]) -> float:
    """The highest cosine between the question and one of a guide's phrasings (each stored with its norm)."""
    best = 0.0
    for bag, bag_norm in phrasings:  # a phrasing has fewer tokens than a long question: walk the phrasing
        dot = sum(v * question[k] for k, v in bag.items() if k in question)
        if dot:
            best = max(best, dot / (norm * bag_norm))
    return best


# 3. The index -------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class GuideText:
    """What the matcher reads of one guide. ``key`` is whatever the caller uses to find the guide again."""

    key: object
    topic: str = ""
    name: str = ""
    summary: str = ""
    tags: str = ""
    questions: str = ""
    conditions: str = ""
    process: str = ""
    materials: str = ""
    basis: str = ""


@dataclass(frozen=True)
class Match:
    key: object
    score: float
    confident: bool


@dataclass
class GuideIndex:
    """BM25 postings per field plus each guide's phrasing bags. Build once per set of guides (see services)."""

    keys: list = field(default_factory=list)
    topics: list = field(default_factory=list)
    postings: dict = field(default_factory=dict)  # token -> [(doc index, weighted BM25 term score)]
    phrasings: list = field(default_factory=list)  # per doc: [(bag of one phrasing, its norm)]

    @classmethod
    def build(cls, guides: Iterable[GuideText]) -> GuideIndex:
        guides = list(guides)
        index = cls(keys=[g.key for g in guides], topics=[g.topic for g in guides])
        n = len(guides)
        per_field: dict[str, list[Counter]] = {f: [tokens(getattr(g, f)) for g in guides] for f in FIELD_WEIGHTS}
        df: Counter = Counter()
        for i in range(n):
            seen = set()
            for bags in per_field.values():
                seen |= set(bags[i])
            df.update(seen)
        idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
        postings: dict[str, dict[int, float]] = defaultdict(dict)
        for f, weight in FIELD_WEIGHTS.items():
            bags = per_field[f]
            avg = sum(sum(b.values()) for b in bags) / max(n, 1) or 1.0
            for i, bag in enumerate(bags):
                length = sum(bag.values())
                for t, tf in bag.items():
                    part = weight * idf[t] * tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / avg))
                    postings[t][i] = postings[t].get(i, 0.0) + part
        index.postings = {t: list(d.items()) for t, d in postings.items()}
        index.phrasings = [
            [(bag, _norm(bag)) for bag in (tokens(line) for line in (g.questions or "").splitlines()) if bag]
            for g in guides
        ]
        return index

    def __len__(self) -> int:
        return len(self.keys)

    def rank(self, question: str, *, topic: str = "", limit: int = 3) -> list[Match]:
        """The best ``limit`` guides for ``question`` asked at a desk of ``topic`` (a DeskTopic name, or "")."""
        bag = question_tokens(question)
        if not bag or not self.keys:
            return []
        scores: dict[int, float] = defaultdict(float)
        characters: dict[int, float] = defaultdict(float)  # the part of each score single characters brought
        for t, qtf in bag.items():
            into = characters if t[0] == UNIGRAM else scores
            for i, part in self.postings.get(t, ()):
                into[i] += part * qtf
        if not scores and not characters:
            return []
        norm = _norm(bag)
        words = {}  # what the words alone say, for confidence
        for i in scores.keys() | characters.keys():
            words[i] = scores[i] + PHRASING_WEIGHT * _best_cosine(bag, norm, self.phrasings[i])
            total = words[i] + characters[i]
            scores[i] = total * TOPIC_FACTOR + TOPIC_BONUS if topic and self.topics[i] == topic else total
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:limit]
        # Scores grow with the length of the question; confidence is judged per square root of its words, on the
        # words alone: neither the desk's topic nor shared characters make a question no guide answers look
        # answered ("补习班" shares 习 and 班 with nothing a guide offers).
        scale = math.sqrt(sum(1 for t in bag if t[0] != UNIGRAM)) or 1.0
        top = ranked[0][1]
        return [Match(self.keys[i], round(s, 3), words[i] / scale >= CONFIDENT and s >= CLOSE * top) for i, s in ranked]


def topic_for_desk(desk: str, topics: Sequence[str]) -> str:
    """The DeskTopic name a desk label means: exact, else the topic that starts with it ("养老" → "养老政策")."""
    desk = (desk or "").strip()
    if desk in topics:
        return desk
    return next((t for t in topics if t.startswith(desk) or desk.startswith(t)), "") if desk else ""
