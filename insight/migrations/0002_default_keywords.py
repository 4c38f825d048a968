"""Ships keyword rules for the default categories (docs/architecture.md lists the codes), so a new
deployment gets sensible suggestions on day one. Staff edit them afterwards; re-running keeps their
edits (get_or_create by category)."""

from django.db import migrations

DEFAULT_KEYWORDS = {
    "legal": "法律 律师 起诉 诉讼 官司 合同 继承 遗产 遗嘱 欠薪 工资 劳动仲裁 离婚 赔偿 维权 公证 借款",
    "finance": "养老金 退休金 社保 医保缴费 补贴 津贴 低保 贷款 银行 理财 诈骗 存款 认证 公积金",
    "logistics": "快递 包裹 驿站 外卖 送货 丢件 快递柜 代收",
    "elderly": "养老 老人 老年 独居 失能 护理 日间照料 养老院 长护险 居家养老 适老化 助浴 陪护",
    "housing": "租房 房东 租客 押金 租金 买房 卖房 中介 产权 过户 房产证 群租 二房东",
    "medical": "看病 医院 医生 配药 住院 医保 报销 体检 疫苗 家庭医生 慢病 药 挂号",
    "minors": "孩子 儿童 未成年 学生 学校 托育 放学 留守 虐待 辍学 监护",
    "family": "家庭 夫妻 婆媳 子女 赡养 吵架 家暴 父母 兄弟姐妹 分家 抚养",
    "mediation": "纠纷 调解 邻居 邻里 噪音 扰民 装修 漏水到楼下 矛盾 争执 楼上 楼下 占用",
    "repair": "维修 报修 坏了 漏水 渗水 堵塞 堵了 粪管 下水道 马桶 电梯 楼道灯 路灯 门禁 水管 屋顶 墙皮 "
    "脱落 停水 停电 跳闸 燃气 窨井 化粪池 反水 倒灌 防盗门",
    "sanitation": "垃圾 清运 堆物 杂物 建筑垃圾 臭 异味 老鼠 蟑螂 蚊子 卫生 保洁 绿化 树枝 落叶 占道 人行道 "
    "乱停 积水",
    "meals": "助餐 送餐 吃饭 饭菜 老年餐 食堂 餐费 订餐 配餐",
    "safety": "联系不上 没人应 敲门 好几天没见 摔倒 晕倒 独居老人 安全 煤气味 异常",
    "resources": "活动室 场地 借用 预约 琴房 志愿者 培训 课程 资源 对接 捐赠",
    "renewal": "旧改 征收 动迁 拆迁 补偿 安置 签约 评估 地块 权证 搭建 面积认定 货币补偿",
}


def forwards(apps, schema_editor):
    Category = apps.get_model("cases", "Category")
    KeywordRule = apps.get_model("insight", "KeywordRule")
    for code, words in DEFAULT_KEYWORDS.items():
        category = Category.objects.filter(code=code).first()
        if category is not None:
            KeywordRule.objects.get_or_create(category=category, defaults={"keywords": words})


def backwards(apps, schema_editor):
    KeywordRule = apps.get_model("insight", "KeywordRule")
    KeywordRule.objects.filter(category__code__in=list(DEFAULT_KEYWORDS), updated_by__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("insight", "0001_initial"), ("cases", "0002_default_categories")]
    operations = [migrations.RunPython(forwards, backwards)]
