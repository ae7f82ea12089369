"""A college's Word template is untrusted: it renders in a sandbox, and anything outside the report's own names is
refused at upload, naming what was refused; the trial render is bounded in time."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from docx import Document

from tests.reports.test_rendering import _custom_template, _docx_text, written_major_report
from zhengai.reports import rendering, sandbox, services
from zhengai.reports.models import WordTemplate

# Each of these ran code or reached the server's objects through docxtpl's default environment.
EXPLOITS = [
    "{{ cycler.__init__.__globals__.os.popen('touch PWNED').read() }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ title.__class__ }}",
    "{{ rows.__class__.__init__.__globals__ }}",
    "{{ lipsum.__globals__['os'].popen('id').read() }}",
    "{{ namespace.__init__.__globals__.os.system('id') }}",
    "{{ joiner.__init__.__globals__ }}",
    "{{ self._TemplateReference__context }}",
    "{{ request.environ }}",
    "{{ title|attr('__class__') }}",
    "{{ rows|map(attribute='__class__')|list }}",
    "{{ '%s' % title }}",
    "{{ 'x' * 100000000 }}",
    "{{ 9 ** 9 ** 9 }}",
    "{% set x = title ~ title %}{{ x }}",
    "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
    "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",
    "{% include 'x.html' %}",
    "{{ title.format(title) }}",
    "{{ title|format(1) }}",
    "{{ rows[title] }}",
    "{{ rows|join(attribute='__class__') }}",
    "{% for a in rows %}{% for b in rows %}{% for c in rows %}{% for d in rows %}x"
    "{% endfor %}{% endfor %}{% endfor %}{% endfor %}",
]


@pytest.mark.parametrize("body", EXPLOITS)
def test_an_exploit_is_refused_at_upload_and_nothing_runs(college, body, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValidationError, match="不允许|无法用样例数据") as caught:
        services.template_upload(actor=college.users["quality"], institution=college.institution, kind="major",
                                 name="x.docx", data=_custom_template(body))
    assert not WordTemplate.objects.exists()
    assert not Path("PWNED").exists()
    assert "Traceback" not in str(caught.value)


def test_the_refusal_names_what_was_refused():
    tree = sandbox.ReportEnvironment().parse(
        "{{ cycler.__init__.__globals__.os.popen('id').read() }}{{ title|attr('x') }}{{ 2 * 3 }}")
    found = sandbox.problems(tree)
    assert "函数或方法调用（第1行）" in found
    assert "过滤器“attr”" in found and "乘法（第1行）" in found


def test_what_a_report_template_needs_is_allowed(college):
    body = ("{{ title|upper }} {{ entity_label }}：{{ entity_name|default('') }} {{ period }} 第{{ version }}版 "
            "{% if notes %}{% for n in notes %}{{ loop.index }}. {{ n|trim }}{% endfor %}{% endif %}"
            "{% for s in signatures %}{{ s.label }}{{ s['name'] }}{{ s.date }}{% endfor %}"
            "{{ columns[0] }}{{ columns|join('、') }}{{ rows|length }}{{ title ~ '！' }}")
    report = written_major_report(college)
    services.template_upload(actor=college.users["quality"], institution=college.institution, kind="major",
                             name="本校.docx", data=_custom_template(body))
    text = _docx_text(rendering.render_docx(report))
    assert "软件技术专业自我诊改报告" in text and "诊断项目、诊断要素" in text


def test_a_template_stored_before_the_checks_is_refused_at_download_not_run(college, login, tmp_path,
                                                                                monkeypatch):
    from django.core.files.base import ContentFile

    monkeypatch.chdir(tmp_path)
    report = written_major_report(college)
    stored = WordTemplate(institution=college.institution, kind="major", name="旧模板.docx",
                          uploaded_by=college.users["quality"], active=True)
    stored.file.save("major.docx", ContentFile(_custom_template(
        "{{ cycler.__init__.__globals__.os.popen('touch PWNED').read() }}")), save=False)
    stored.save()
    with pytest.raises(ValidationError, match="不允许"):
        rendering.render_docx(report)
    response = login(college.users["quality"]).get(reverse("reports:report_docx", args=[report.pk]))
    assert response.status_code == 302
    assert not Path("PWNED").exists()


def test_the_builtin_template_passes_the_sandbox(college):
    report = written_major_report(college)
    assert "填写要求" in _docx_text(rendering.render_docx(report))


def test_headers_and_document_properties_are_checked_too(college):
    doc = Document()
    doc.add_paragraph("{{ title }}")
    doc.sections[0].header.paragraphs[0].text = "{{ title.__class__ }}"
    buffer = io.BytesIO()
    doc.save(buffer)
    with pytest.raises(ValidationError, match="属性“__class__”"):
        services.template_upload(actor=college.users["quality"], institution=college.institution, kind="major",
                                 name="x.docx", data=buffer.getvalue())
    doc = Document()
    doc.add_paragraph("{{ title }}")
    doc.core_properties.title = "{{ cycler.__init__ }}"
    buffer = io.BytesIO()
    doc.save(buffer)
    with pytest.raises(ValidationError, match="不允许"):
        services.template_upload(actor=college.users["quality"], institution=college.institution, kind="major",
                                 name="x.docx", data=buffer.getvalue())


def test_the_trial_render_stops_at_its_time_limit():
    started = time.monotonic()
    with pytest.raises(sandbox.BoundExceeded):
        sandbox.run_bounded(lambda: time.sleep(30), seconds=1)
    assert time.monotonic() - started < 5


def test_the_trial_render_stops_at_its_memory_limit():
    with pytest.raises(RuntimeError, match="内存"):
        sandbox.run_bounded(lambda: len(b"x" * (2 * 1024 ** 3)), memory=512 * 1024 ** 2)


def test_a_bounded_run_returns_its_result_and_passes_refusals_on():
    assert sandbox.run_bounded(lambda: {"a": 1}) == {"a": 1}

    def refuse():
        raise sandbox.TemplateRefused("模板中有报告模板不允许的内容：x")

    with pytest.raises(sandbox.TemplateRefused, match="不允许"):
        sandbox.run_bounded(refuse)
