"""Realistic synthetic needs for benchmarks and demo data: a title and a description per case,
built from what residents of an old Shanghai neighbourhood actually raise, for the default
categories (docs/architecture.md). Deterministic for a given ``random.Random``.

Not used for any figure about accuracy on real data: that comes from the public TipDM messages
(bench/bench_routing.py). Here the point is volume (training time at 100,000 cases) and shape
(latency of one suggestion on a realistic vocabulary).
"""

from __future__ import annotations

import random

ROADS = ["陕西南路", "蓬莱路", "文庙路", "嘉善路", "永嘉路", "建国西路", "梦花街", "尚文路", "复兴中路", "肇嘉浜路",
         "方浜中路", "大林路", "西藏南路", "黄家路", "天平路", "襄阳南路"]  # fmt: skip
WHO = ["我", "我家老人", "楼里几户人家", "隔壁阿姨", "我们这栋楼的居民", "我母亲", "住户", "我爸"]
SINCE = ["这几天", "一个多星期了", "半个月了", "从上个月开始", "昨天晚上", "好几天了", "最近", "今天早上"]
ASK = ["希望尽快派人处理。", "请居委帮忙协调。", "麻烦帮忙联系一下。", "请问该找谁？", "希望给个答复。",
       "打过几次电话都没解决。", "请尽快安排。", ""]  # fmt: skip

# code → list of (title, problem description) fragments
TOPICS: dict[str, list[tuple[str, str]]] = {
    "repair": [
        ("粪管堵塞", "底楼粪管堵了，污水倒灌进灶披间，臭得不行"),
        ("下水道反水", "下水道反水，马桶冲不下去"),
        ("楼道灯不亮", "楼道灯坏了，晚上上下楼黑漆漆的，老人差点摔跤"),
        ("屋顶漏水", "下雨屋顶漏水，天花板都发霉了"),
        ("电梯故障", "电梯三天两头停运，还困过人"),
        ("门禁损坏", "单元门门禁坏了，关不上，外人随便进出"),
        ("水管爆裂", "公用水管爆了，水漫到楼道里"),
        ("外墙脱落", "外墙墙皮脱落，掉下来差点砸到人"),
        ("窨井盖松动", "弄堂里窨井盖松动，走上去哐哐响"),
    ],
    "sanitation": [
        ("垃圾堆放", "弄堂口垃圾堆了好几天没人清运，气味很大"),
        ("建筑垃圾", "有人装修把建筑垃圾堆在路边"),
        ("老鼠多", "垃圾房附近老鼠很多，晚上到处窜"),
        ("楼道堆物", "楼道里堆满杂物，有消防隐患"),
        ("绿化修剪", "树枝长得太长挡住窗户，树叶堵了落水管"),
        ("路面积水", "一下雨路面积水，出门都要蹚水"),
    ],
    "legal": [
        ("遗产继承咨询", "父亲去世后老房子的继承问题，兄弟姐妹意见不一，想咨询法律程序"),
        ("欠薪维权", "在饭店打工被拖欠三个月工资，想知道怎么维权"),
        ("借款纠纷", "借给朋友的钱一直不还，想咨询能不能起诉"),
        ("离婚财产咨询", "离婚时房子怎么分，想找律师问问"),
        ("合同纠纷", "装修公司不按合同施工，想咨询怎么追责"),
    ],
    "finance": [
        ("养老金认证", "老人行动不便，养老金资格认证能否上门办理"),
        ("补贴申请", "想了解高龄补贴怎么申请，需要什么材料"),
        ("防范诈骗", "老人接到冒充银行的电话，差点转账，想了解怎么防范"),
        ("低保申请", "家里困难，想咨询低保的申请条件"),
    ],
    "logistics": [
        ("快递堆放", "快递经常堆在弄堂门口，丢过两次"),
        ("快递柜", "希望在弄堂里装个快递柜，老人取件不方便"),
        ("包裹丢失", "快递显示签收但没收到包裹"),
    ],
    "elderly": [
        ("独居老人照护", "楼上独居的老人腿脚不便，需要有人定期上门看看"),
        ("日间照料", "想给失能的母亲申请日间照料"),
        ("长护险", "想咨询长护险怎么申请，护理员多久来一次"),
        ("适老化改造", "家里卫生间想装扶手，听说有适老化改造补贴"),
    ],
    "housing": [
        ("租房押金", "房东提前收回房子，押金不退"),
        ("群租", "隔壁房子被二房东隔成好几间群租，人员杂乱"),
        ("房产过户", "老房子过户给子女需要办哪些手续"),
    ],
    "medical": [
        ("异地医保报销", "在外地住院的费用怎么报销，需要哪些材料"),
        ("家庭医生签约", "想签约家庭医生，方便老人配药"),
        ("慢病配药", "慢性病每个月配药排队太久，能不能长处方"),
    ],
    "minors": [
        ("孩子放学无人看管", "双职工家庭，孩子放学后没人照看"),
        ("未成年人保护", "楼下孩子经常被大人打骂，哭声很大，担心孩子安全"),
        ("托育咨询", "想了解社区有没有托育点"),
    ],
    "family": [
        ("赡养纠纷", "几个子女为赡养老人的事吵得不可开交"),
        ("夫妻矛盾", "夫妻经常吵架，希望有人帮忙调解"),
        ("婆媳矛盾", "婆媳关系紧张，老人想搬出去住"),
    ],
    "mediation": [
        ("邻里噪音纠纷", "楼上住户夜里装修敲打，睡不着，多次沟通无果"),
        ("漏水到楼下", "楼上卫生间漏水到我家，对方不肯修"),
        ("公共空间占用", "邻居把公共走廊占了放东西，说了也不听"),
    ],
    "meals": [
        ("助餐申请", "老人一个人住，想申请送餐上门"),
        ("送餐不及时", "助餐送来的饭菜经常是冷的，送得太晚"),
        ("餐费咨询", "老年助餐的餐费补贴怎么算"),
    ],
    "safety": [
        ("独居老人联系不上", "对门独居老人好几天没见了，敲门没人应"),
        ("老人摔倒", "楼下老人在家摔倒了，家属不在身边"),
        ("煤气味", "楼道里有很重的煤气味，担心有危险"),
    ],
    "resources": [
        ("活动室借用", "想借用居委活动室办个书法班"),
        ("志愿者对接", "我们单位想组织志愿者进社区服务，找谁对接"),
        ("场地预约", "想预约琴房给孩子练琴"),
    ],
    "renewal": [
        ("旧改补偿面积认定", "旧改中搭建部分是否计入补偿面积"),
        ("征收签约咨询", "地块征收什么时候签约，货币补偿怎么算"),
        ("安置房选择", "想了解旧改安置房的位置和面积"),
    ],
    "other": [
        ("建议", "对社区工作有些建议想反映"),
        ("咨询", "想问一下这个事情归哪个部门管"),
    ],
}


def place(rng: random.Random) -> tuple[str, str, str]:
    return rng.choice(ROADS), str(rng.randint(1, 900)), str(rng.randint(1, 60))


def need(rng: random.Random, code: str | None = None, where: tuple | None = None) -> tuple[str, str, str]:
    """(title, description, category code) of one realistic need."""
    code = code or rng.choice(list(TOPICS))
    title, problem = rng.choice(TOPICS[code])
    road, lane, number = where or place(rng)
    at = rng.choice([f"{road}{lane}弄{number}号", f"{lane}弄{number}号", f"{road}{lane}弄", ""])
    description = f"{rng.choice(WHO)}反映{at}{rng.choice(SINCE)}{problem}。{rng.choice(ASK)}"
    if rng.random() < 0.3:
        title = f"{at}{title}" if at else title
    return title, description, code


def dataset(n: int, *, seed: int = 0) -> tuple[list[tuple[str, str]], list[str]]:
    """n (title, description) pairs and their category codes, categories in realistic proportions."""
    rng = random.Random(seed)
    weights = {code: (6 if code in ("repair", "sanitation") else 3 if code in ("legal", "elderly", "mediation")
                      else 1) for code in TOPICS}  # fmt: skip
    codes = rng.choices(list(weights), weights=list(weights.values()), k=n)
    texts, labels = [], []
    for code in codes:
        title, description, code = need(rng, code)
        texts.append((title, description))
        labels.append(code)
    return texts, labels
