"""The DANE admin edits a draft of the mission-letter template, in one form that works without
JavaScript (see `missions.forms_templates`). A published version is shown as frozen."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from missions.forms_templates import TemplateEditor, apply_action, bound_editor, editor_for
from missions.models import LetterTemplate
from missions.placeholders import PLACEHOLDERS
from missions.selectors import get_template_for, template_draft_of_year, template_task_keys
from missions.services_templates import template_data_of, template_update
from tenancy.http import request_scope, role_required
from tenancy.roles import Role

PUBLISHED_REFUSAL = (
    "Cette version est publiée : elle ne change plus. Créez une nouvelle version pour la "
    "modifier ; les lettres déjà faites gardent la leur."
)
SAVE = "save"


def _page(
    request: HttpRequest,
    template: LetterTemplate,
    *,
    status: int = 200,
    **context: Any,
) -> HttpResponse:
    return render(
        request,
        "missions/template_edit.html",
        {
            "page_title": f"Modifier la trame {template.school_year.label}, "
            f"version {template.version}",
            "template": template,
            "placeholders": [(f"{{{name}}}", text) for name, text in PLACEHOLDERS.items()],
            **context,
        },
        status=status,
    )


def _editor_page(
    request: HttpRequest, template: LetterTemplate, editor: TemplateEditor, **context: Any
) -> HttpResponse:
    return _page(
        request,
        template,
        editor=editor,
        form=editor.form,
        sections=editor.sections,
        blocks=editor.blocks,
        **context,
    )


@role_required(Role.DANE_ADMIN)
def template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    scope = request_scope(request)
    template = get_template_for(scope, pk)
    if template.is_published:
        if request.method == "POST":
            messages.error(request, PUBLISHED_REFUSAL)
            return redirect("missions:template_edit", pk=template.pk)
        return _page(request, template, draft=template_draft_of_year(template))
    if request.method != "POST":
        data = template_data_of(template)
        keys = {task.key for section in data.sections for task in section.tasks}
        return _editor_page(request, template, editor_for(data, keys))

    saved_keys = template_task_keys(template)
    editor = bound_editor(request.POST, saved_keys)
    action = request.POST.get("action", SAVE) or SAVE
    if action != SAVE:
        change = apply_action(editor.posted_data(), action)
        if change is None:
            return _editor_page(
                request,
                template,
                editor,
                status_message="Cette modification n’est pas possible ; rien n’a changé.",
            )
        return _editor_page(
            request,
            template,
            editor_for(change.data, saved_keys),
            status_message=change.message,
            anchor=change.anchor,
            unsaved=True,
        )
    if not editor.is_valid():
        return _editor_page(
            request,
            template,
            editor,
            field_errors=editor.field_errors(),
            unsaved=True,
            status=400,
        )
    try:
        template_update(template=template, data=editor.cleaned_data(), actor=scope)
    except ValidationError as error:
        return _editor_page(
            request, template, editor, errors=error.messages, unsaved=True, status=400
        )
    messages.success(request, "Brouillon enregistré.")
    return redirect("missions:template_edit", pk=template.pk)
