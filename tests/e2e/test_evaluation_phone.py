"""评教 on a 390×844 phone: a student evaluates their three courses one after another — big answer buttons, nothing
off the side of the screen — and the votes are counted without a trace of who gave which."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.e2e.test_onepage_phone import no_sideways_scroll, phone  # noqa: F401 (the 390×844 page)
from tests.evaluation.conftest import offering, open_window
from zhengai.evaluation.models import Participation, RatingCounter, TextAnswer
from zhengai.org.models import Course

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_student_evaluates_three_courses_on_a_phone(phone, college):  # noqa: F811
    c = college
    c.courses["web"] = Course.objects.create(institution=c.institution, code="C003", name="Web前端开发技术与应用实践",
                                             unit=c.units["it"], hours=64, practice_hours=32)
    student = c.users["student"]
    offering(c, "JAVA-01", "java", ["t1"], [student])
    offering(c, "CAD-01", "cad", ["t2"], [student])
    offering(c, "WEB-01", "web", ["t1"], [student])
    open_window(c)
    sign_in(phone, "student")
    phone.goto(phone.base_url + "/evaluation/")
    cards = phone.locator("#waiting li")
    expect(cards).to_have_count(3)
    no_sideways_scroll(phone)
    cards.first.get_by_role("link").click()
    for n in range(3):
        expect(phone.get_by_role("button", name="提交评价")).to_be_visible()
        no_sideways_scroll(phone)
        if n == 0:
            # Sent with nothing chosen: told what is missing, nothing counted.
            phone.get_by_role("button", name="提交评价").click()
            expect(phone.get_by_text("还有 8 项没有选择等级")).to_be_visible()
            expect(phone.get_by_text("请为“为人师表，按时上下课，课堂管理严格，关心学生”选择一个等级")).to_be_visible()
            assert not Participation.objects.exists()
        options = phone.locator("fieldset.eval-item")
        assert options.count() == 8
        box = options.first.locator("label").first.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44   # a thumb's target
        for i in range(options.count()):
            options.nth(i).get_by_text(["优秀", "良好", "中等"][n]).click()
        phone.locator("textarea").fill(f"第{n + 1}门课的意见")
        phone.get_by_role("button", name="提交评价").click()
        expect(phone.get_by_text("谢谢")).to_be_visible()
    expect(phone).to_have_url(phone.base_url + "/evaluation/")
    expect(phone.locator("#waiting")).to_have_count(0)
    expect(phone.locator("#done li")).to_have_count(3)
    no_sideways_scroll(phone)
    assert Participation.objects.filter(voter=student).count() == 3
    assert sorted(set(RatingCounter.objects.filter(count=1).values_list("value", flat=True))) == [0, 1, 2]
    assert TextAnswer.objects.count() == 3
