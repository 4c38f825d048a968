"""The classifier, its evaluation and the threshold rule, on small fixed data (no database)."""

import re
from pathlib import Path

import pytest
from django.core.management import call_command

from insight import textmodel
from insight.labelled import LabelledFileError, load_keywords, load_labelled

FIXTURES = Path(__file__).parent / "fixtures"
TRAIN, TEST = FIXTURES / "routing_train.csv", FIXTURES / "routing_test.csv"
LAST_LINE = re.compile(r"^accuracy=\d\.\d{3} macro_f1=\d\.\d{3} top3=\d\.\d{3}$")


def test_a_csv_with_text_and_category_columns_loads_as_is():
    docs, labels = load_labelled(TRAIN)
    assert len(docs) == 42
    assert sorted(set(labels)) == ["elderly", "legal", "repair", "sanitation"]
    assert docs[0].head == "楼道灯坏了，晚上上下楼看不见"  # the first sentence plays the title


def test_training_and_evaluation_on_the_fixture_set():
    docs, labels = load_labelled(TRAIN)
    test_docs, test_labels = load_labelled(TEST)
    model = textmodel.train_with_temperature(docs, labels)
    result = textmodel.evaluate(test_labels, model.top(test_docs), labels=sorted(set(labels)))
    assert result.summary_line() == "accuracy=1.000 macro_f1=1.000 top3=1.000"
    cv = textmodel.cross_validate(docs, labels, folds=3)
    assert cv.summary_line() == "accuracy=0.762 macro_f1=0.765 top3=0.976"
    tops = model.top([textmodel.Doc.of("弄堂里路灯坏了", "晚上看不见路")], k=3)[0]
    assert tops[0][0] == "repair"
    assert len(tops) == 3 and tops[0][1] >= tops[1][1] >= tops[2][1]
    assert abs(sum(p for _l, p in model.top(test_docs[:1], k=4)[0]) - 1.0) < 1e-6


def test_keyword_block_carries_what_the_training_texts_lack():
    docs, labels = load_labelled(TRAIN)
    plain = textmodel.TextClassifier().fit(docs, labels)
    keywords = {"legal": ["公证", "仲裁", "诉讼", "法院"], "elderly": ["敬老院"]}
    with_keywords = textmodel.TextClassifier(keywords=keywords, keyword_weight=1.0).fit(docs, labels)
    doc = textmodel.Doc.of("法院传票", "收到法院传票")
    assert with_keywords.top([doc])[0][0][0] == "legal"
    assert plain.top([doc])[0][0][1] < with_keywords.top([doc])[0][0][1]


def test_routing_evaluate_prints_per_class_figures_and_the_summary_last(capsys):
    call_command("routing_evaluate", "--train", str(TRAIN), "--test", str(TEST))
    out = capsys.readouterr().out.strip().splitlines()
    assert LAST_LINE.match(out[-1]), out[-1]
    assert out[-1] == "accuracy=1.000 macro_f1=1.000 top3=1.000"
    assert any(line.startswith("repair") for line in out)
    assert any("confusion matrix" in line for line in out)
    call_command("routing_evaluate", "--train", str(TRAIN), "--cv", "3")
    assert capsys.readouterr().out.strip().splitlines()[-1] == "accuracy=0.929 macro_f1=0.928 top3=1.000"


def test_xlsx_with_named_columns_and_a_keyword_file(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["编号", "留言主题", "留言详情", "一级分类"])
    for i, (title, body, label) in enumerate(
        [("路灯坏了", "弄堂路灯不亮", "城建"), ("欠薪", "老板拖欠工资", "劳动"), ("垃圾", "垃圾没人清", "城建")]
    ):
        ws.append([i, title, body, label])
    path = tmp_path / "m.xlsx"
    wb.save(path)
    docs, labels = load_labelled(path)
    assert labels == ["城建", "劳动", "城建"]
    assert docs[1].head == "欠薪" and docs[1].body == "欠薪 老板拖欠工资"
    tree = tmp_path / "tree.csv"
    tree.write_text("一级分类,二级分类,三级分类\n劳动,劳动保障,欠薪和工资\n", encoding="utf-8")
    assert {"劳动保障", "欠薪", "工资"} <= set(load_keywords(tree)["劳动"])


def test_unusable_files_are_refused_in_chinese(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("foo,bar\n1,2\n", encoding="utf-8")
    with pytest.raises(LabelledFileError, match="找不到文本列"):
        load_labelled(bad)
    with pytest.raises(LabelledFileError, match="没有分类列"):
        load_labelled(TRAIN, label_column="类别")


def test_threshold_is_where_the_slice_above_is_surely_precise_enough():
    # 100 held-out suggestions, the most confident 95 all right, then mistakes
    confidence = [1 - i / 200 for i in range(100)]
    correct = [True] * 95 + [False] * 5
    threshold = textmodel.choose_threshold(confidence, correct, target=0.97)
    assert threshold is not None
    precision, count = textmodel.precision_at(confidence, correct, threshold)
    assert precision == 1.0 and textmodel.wilson_lower(count, count) >= 0.97
    # a handful right in a row promises nothing: no threshold, never auto-dispatch
    assert textmodel.choose_threshold([0.99] * 10 + [0.5] * 10, [True] * 10 + [False] * 10) is None
    # a steady 90 % is below the target at every cut
    assert textmodel.choose_threshold([1 - i / 1000 for i in range(500)], [i % 10 != 0 for i in range(500)]) is None


def test_the_threshold_is_raised_part_of_the_way_to_one_for_the_final_model():
    assert textmodel.with_margin(None) is None
    assert textmodel.with_margin(0.96) == pytest.approx(0.97)
    assert textmodel.with_margin(1.0) == 1.0


def test_keyword_rules_never_look_certain():
    rules = textmodel.KeywordRules({"repair": ["漏水", "电梯"], "sanitation": ["垃圾"]})
    top = rules.top([textmodel.Doc.of("电梯坏了", "电梯停运，楼道还有垃圾")])[0]
    assert [label for label, _c in top] == ["repair", "sanitation"]
    assert top[0][1] < 1.0
    assert rules.top([textmodel.Doc.of("想咨询", "一件事")])[0] == []


def test_the_one_text_fast_path_equals_the_batch_path():
    import pickle

    import numpy as np

    docs, labels = load_labelled(TRAIN)
    test_docs, _labels = load_labelled(TEST)
    model = textmodel.TextClassifier(keywords={"legal": ["律师", "仲裁"], "repair": ["漏水"]}).fit(docs, labels)
    batch = model.svm_.decision_function(model.transform(test_docs))
    one = np.vstack([model.decision([d]) for d in test_docs])
    assert np.abs(batch - one).max() < 1e-6
    again = pickle.loads(pickle.dumps(model))
    assert np.abs(again.decision(test_docs[:1]) - batch[:1]).max() < 1e-6
    assert model.decision([textmodel.Doc.of("", "")]).shape == (1, 4)


def test_what_minhu_knows_of_its_categories_carries_a_short_history():
    from insight import knowledge

    history = [
        ("楼道灯坏了", "repair"), ("电梯又停了", "repair"),
        ("垃圾没人清运", "sanitation"), ("门口堆满杂物", "sanitation"),
        ("征收补偿怎么算", "renewal"), ("旧改签约什么时候开始", "renewal"),
    ]  # fmt: skip
    docs, labels = [textmodel.Doc.of(t) for t, _l in history], [lab for _t, lab in history]
    kw = knowledge.for_labels(labels)
    model = textmodel.TextClassifier(keywords=kw).fit(docs, labels)
    # words no history row holds: the shipped knowledge of the categories
    assert model.top([textmodel.Doc.of("过渡费一个月多少，产权调换的房子在哪里")])[0][0][0] == "renewal"
    assert model.top([textmodel.Doc.of("伊屋里厢马桶堵牢了，污水反上来")])[0][0][0] == "repair"
    # a public benchmark's own labels get nothing added
    assert knowledge.enrich({"城乡建设": ["拆迁"]}) == {"城乡建设": ["拆迁"]}


def test_a_model_pickled_before_dialect_reading_reads_as_it_was_trained():
    import pickle

    docs, labels = load_labelled(TRAIN)
    model = textmodel.TextClassifier().fit(docs, labels)
    state = model.__getstate__()
    del state["plain"], state["knowledge"]
    old = textmodel.TextClassifier.__new__(textmodel.TextClassifier)
    old.__setstate__(state)
    assert old.plain is False and pickle.loads(pickle.dumps(model)).plain is True


def test_the_suggestion_command_prints_accuracy_and_top3_last(db, settings):
    settings.MINHU_INSIGHT_MIN_CASES = 20
    out = __import__("io").StringIO()
    call_command("suggest_evaluate", "--file", str(TRAIN), "--per-category", "6", stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert "由分类模型建议" in out.getvalue()
    assert re.fullmatch(r"accuracy=\d\.\d{3} top3=\d\.\d{3}", lines[-1])
    settings.MINHU_INSIGHT_MIN_CASES = 200
    out = __import__("io").StringIO()
    call_command("suggest_evaluate", "--file", str(TRAIN), "--per-category", "6", stdout=out)
    assert "由关键词规则建议" in out.getvalue()


def test_a_category_with_a_short_history_also_learns_from_its_keyword_list():
    docs = [textmodel.Doc.of(f"楼道灯坏了第{i}次") for i in range(25)] + [textmodel.Doc.of("收到法院传票")]
    labels = ["repair"] * 25 + ["legal"]
    keywords = {"repair": ["电梯"], "legal": ["诉讼", "法院"], "elderly": ["敬老院"]}
    out_docs, out_labels = textmodel._with_keyword_docs(docs, labels, keywords, below=20)
    # repair has 25 texts of its own; elderly has none to learn beside; legal gets its words as one text
    assert out_labels == labels + ["legal"]
    assert out_docs[-1] == textmodel.Doc("法院，诉讼", "法院，诉讼")
    assert out_docs[: len(docs)] == docs


def test_a_category_may_have_several_lines_of_words_and_they_add_up(tmp_path, monkeypatch):
    from insight import knowledge

    words = tmp_path / "category_words.txt"
    words.write_text("# comment\nmedical 看病 医院\nrepair 维修\nmedical 就医 急诊 药\n", encoding="utf-8")
    monkeypatch.setattr(knowledge, "WORDS", words)
    knowledge.shipped_words.cache_clear()
    try:
        # one-character words are too vague to count (药)
        assert knowledge.shipped_words() == {
            "medical": frozenset({"看病", "医院", "就医", "急诊"}),
            "repair": frozenset({"维修"}),
        }
    finally:
        knowledge.shipped_words.cache_clear()
