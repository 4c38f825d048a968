"""The desk's suggestions on question files, through the function the desk calls: regressions show up here first.

tests/data/dev/desk_questions.csv is the open set the guides' wording was tuned on; guides/tests/data/
fresh_questions.csv was written for these tests, about a quarter of it on purpose between guides easily confused
(the care assessment and long-term care insurance, the appraisal and the compensation sum …).
guides/tests/data/paraphrase_questions.csv was written after the matcher's word lists, two to three questions per
guide in other words and in Shanghainese, short and long, plus a few that no guide answers; its misses were then
fixed: a regression set, not a blind one.
"""

from pathlib import Path

import pytest

from guides.evaluation import evaluate, read_questions

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "path, top1, top3",
    [
        (ROOT / "tests" / "data" / "dev" / "desk_questions.csv", 0.95, 0.99),
        (ROOT / "guides" / "tests" / "data" / "fresh_questions.csv", 0.85, 0.97),
        (ROOT / "guides" / "tests" / "data" / "paraphrase_questions.csv", 0.88, 0.97),
    ],
)
def test_the_right_guide_comes_first_for_most_questions(shipped_guides, world, path, top1, top3):
    result = evaluate(read_questions(path), region=world.laoximen)
    assert result.top1 / result.answered >= top1, result.misses
    assert result.top3 / result.answered >= top3, result.misses
    assert result.none_quiet >= result.none_rows * 0.7  # most unanswerable questions get no confident guess


def test_question_files_may_be_excel_or_gb18030_csv(tmp_path):
    from lib import xlsx

    sheet = tmp_path / "q.xlsx"
    sheet.write_bytes(xlsx.workbook_bytes(["question", "desk", "guide"], [["低保怎么申请", "金融政策", "x"]]))
    assert read_questions(sheet) == [{"question": "低保怎么申请", "desk": "金融政策", "guide": "x"}]
    legacy = tmp_path / "q.csv"
    legacy.write_bytes("问题,咨询台,指南\n低保怎么申请,金融政策,x\n".encode("gb18030"))
    assert read_questions(legacy) == [{"question": "低保怎么申请", "desk": "金融政策", "guide": "x"}]
