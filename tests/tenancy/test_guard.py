"""The tenancy guard: tenant queries need an open académie scope, requests and tasks open one."""

from __future__ import annotations

import pytest
from celery import shared_task
from django_scopes import scope

from accounts.models import Invitation, Membership
from audit.models import AuditEvent
from dashboards.models import (
    OverviewFigures,
    OverviewRefresh,
    Reminder,
    ReminderJob,
    SynthesisReport,
)
from establishments.models import (
    Departement,
    Establishment,
    EstablishmentImport,
    PupilCount,
    PupilCountImport,
)
from indemnities.models import (
    Allocation,
    EnvelopeBand,
    EnvelopeOverride,
    ImpMultiple,
    ImpRuleSet,
    ServiceCertification,
)
from missions.models import (
    Letter,
    LetterEmail,
    LetterPdf,
    LetterPdfFailure,
    LetterPdfJob,
    LetterSignature,
    LetterTemplate,
    SealCertificate,
    TemplateSection,
    TemplateTask,
    VisaBatch,
)
from rupn.tasks import AcademieTask
from surveys.models import (
    Answer,
    Campaign,
    Question,
    QuestionOption,
    Survey,
    SurveyInvitation,
    SurveyPage,
    SurveyReminder,
    SurveyResponse,
)
from tenancy.guard import ScopeError, TenantManager, academie_scope

pytestmark = pytest.mark.django_db

TENANT_MODELS = [
    Departement,
    Establishment,
    PupilCount,
    EstablishmentImport,
    PupilCountImport,
    Membership,
    Invitation,
    ImpRuleSet,
    ImpMultiple,
    EnvelopeBand,
    EnvelopeOverride,
    Allocation,
    ServiceCertification,
    AuditEvent,
    LetterTemplate,
    TemplateSection,
    TemplateTask,
    Letter,
    LetterSignature,
    LetterEmail,
    VisaBatch,
    LetterPdf,
    LetterPdfFailure,
    SealCertificate,
    Survey,
    SurveyPage,
    Question,
    QuestionOption,
    Campaign,
    SurveyInvitation,
    SurveyReminder,
    SurveyResponse,
    Answer,
    ReminderJob,
    Reminder,
    LetterPdfJob,
    OverviewRefresh,
    OverviewFigures,
    SynthesisReport,
]


@pytest.mark.parametrize("model", TENANT_MODELS, ids=lambda m: m.__name__)
def test_a_query_outside_any_academie_scope_raises(model, worlds):
    with scope(), pytest.raises(ScopeError):  # the guard on, no académie open
        list(model.objects.all())
    with scope(), pytest.raises(ScopeError):
        model.objects.filter(pk=1).exists()


def test_every_model_with_an_academie_is_guarded():
    """A new tenant model cannot forget the guard: any model with an `academie` is listed."""
    from django.apps import apps

    with_academie = {
        m
        for m in apps.get_models()
        if any(f.name == "academie" for f in m._meta.get_fields() if f.is_relation)
        and m._meta.app_label not in {"admin"}
        and not m._meta.auto_created
    }
    assert with_academie - set(TENANT_MODELS) == set()
    for model in TENANT_MODELS:
        assert isinstance(model._default_manager, TenantManager), model


def test_an_open_scope_sees_its_academie_only(worlds):
    poitiers, bordeaux = worlds
    with academie_scope(poitiers.academie.pk):
        assert set(Establishment.objects.values_list("academie_id", flat=True)) == {
            poitiers.academie.pk
        }
        # Even asked by id, another académie's row is not there.
        assert not Establishment.objects.filter(pk=bordeaux.establishment.pk).exists()
        # Related managers are guarded too.
        assert not bordeaux.establishment.pupil_counts.exists()
        assert poitiers.establishment.pupil_counts.exists()


def test_academie_scope_refuses_none():
    with pytest.raises(ValueError):
        with academie_scope(None):  # type: ignore[arg-type]
            pass


@shared_task(base=AcademieTask)
def read_establishment(*, academie_id: int, establishment_id: int) -> str | None:
    found = Establishment.objects.filter(pk=establishment_id).first()
    return found.uai if found else None


def test_a_task_dispatched_for_poitiers_cannot_read_bordeaux(worlds):
    poitiers, bordeaux = worlds
    own = read_establishment.apply(
        kwargs={"academie_id": poitiers.academie.pk, "establishment_id": poitiers.establishment.pk}
    )
    assert own.get() == poitiers.establishment.uai
    other = read_establishment.apply(
        kwargs={
            "academie_id": poitiers.academie.pk,
            "establishment_id": bordeaux.establishment.pk,
        }
    )
    assert other.get() is None


def test_a_task_without_academie_is_refused():
    result = read_establishment.apply(kwargs={"establishment_id": 1})
    assert isinstance(result.result, TypeError)


def test_a_request_runs_inside_its_academie_scope(worlds, acting_client):
    """The middleware opens the acting académie's scope around the view."""
    from django.http import HttpResponse
    from django.test import RequestFactory

    from accounts.middleware import ActingRoleMiddleware

    poitiers, bordeaux = worlds
    seen: dict[str, object] = {}

    def view(request):  # type: ignore[no-untyped-def]
        seen["ids"] = set(Establishment.objects.values_list("academie_id", flat=True))
        return HttpResponse()

    request = RequestFactory().get("/")
    request.user = poitiers.principal.user
    request.session = {}  # type: ignore[assignment]
    with scope():  # as in production: the guard on before the middleware
        ActingRoleMiddleware(view)(request)
    assert seen["ids"] == {poitiers.academie.pk}
    assert request.scope.academie_id == poitiers.academie.pk  # type: ignore[attr-defined]


def test_a_request_without_role_has_no_academie_open(worlds):
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpResponse
    from django.test import RequestFactory

    from accounts.middleware import ActingRoleMiddleware

    def view(request):  # type: ignore[no-untyped-def]
        Establishment.objects.count()
        return HttpResponse()

    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    request.session = {}  # type: ignore[assignment]
    with scope(), pytest.raises(ScopeError):
        ActingRoleMiddleware(view)(request)
