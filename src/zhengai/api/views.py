"""The data steward's page of API tokens: list, create (the token is shown once), revoke."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from zhengai.core.middleware import institution_of
from zhengai.core.permissions import CHANGE, VIEW, get_object_for_user, require_role
from zhengai.statedata.importers import REGISTRY

from . import services
from .models import STEWARD_ROLES, ApiToken


def _institution(request: HttpRequest):
    institution = institution_of(request)
    if institution is None:
        raise Http404("您还没有加入任何院校")
    require_role(request.user, STEWARD_ROLES, institution.pk)
    return institution


@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    institution = _institution(request)
    context: dict = {"tables": [(name, importer.name) for name, importer in REGISTRY.items()]}
    status = 200
    if request.method == "POST":
        try:
            token, secret = services.token_create(actor=request.user, institution=institution,
                                                  name=request.POST.get("name", ""),
                                                  tables=request.POST.getlist("tables"))
        except ValidationError as exc:
            context["error"], status = "；".join(exc.messages), 400
        else:
            context.update({"created": token, "secret": secret})
    context["tokens"] = (ApiToken.objects.restrict(request.user, VIEW).filter(institution=institution)
                         .select_related("created_by"))
    names = dict(context["tables"])
    for token in context["tokens"]:
        token.table_names = [names.get(t, t) for t in token.tables]
    return render(request, "api/tokens.html", context, status=status)


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    institution = _institution(request)
    token = get_object_for_user(ApiToken.objects.filter(institution=institution), request.user, CHANGE, pk=pk)
    services.token_revoke(actor=request.user, token=token)
    return HttpResponseRedirect(reverse("api:tokens"))
