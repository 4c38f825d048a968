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
