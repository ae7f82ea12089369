from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from zhengai.core.middleware import institution_of
from zhengai.core.permissions import access_for

from . import selectors


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """工作台: what needs this person now, and the objects they are responsible for."""
    institution = institution_of(request)
    context = {"institution": institution}
    if institution is not None:
        wide = selectors.sees_whole_institution(request.user, institution)
        access = access_for(request.user)
        context.update({
            "wide": wide,
            "cards": selectors.scoped_cards(request.user, institution),
            "counts": selectors.institution_counts(request.user, institution) if wide else [],
            "framework": selectors.framework_summary(institution),
            "changes": selectors.recent_changes(request.user, institution),
            "is_quality_office": access.is_superuser or access.has_role({"quality_office"}, institution.pk),
        })
    return render(request, "dashboards/home.html", context)
