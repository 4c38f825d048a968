from lib.pdf import Document


def test_a_chinese_document_renders_to_a_pdf_with_the_cjk_font():
    doc = Document("志愿服务记录证明")
    doc.title_line("志愿服务记录证明")
    doc.paragraph("兹证明刘洋同志于2022年2月24日参加蓬莱路地块旧改志愿服务活动。")
    doc.table([["日期", "时长（小时）"], ["2022-02-24", "3.5"]])
    doc.qr("http://127.0.0.1:8000/volunteers/verify/ABC123")
    data = doc.render()
    assert data.startswith(b"%PDF")
    assert b"STSong-Light" in data


def test_the_middle_dot_is_printed_as_a_full_width_separator():
    from lib.pdf import printable

    assert printable("助力旧改志愿服务活动·法律咨询台") == "助力旧改志愿服务活动｜法律咨询台"
    assert printable("天平街道 · 2021年06月17日") == "天平街道｜2021年06月17日"
    assert printable("没有点") == "没有点"
