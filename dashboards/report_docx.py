"""The synthesis report as an editable document (DOCX, python-docx), for the DANE to complete
before sending it to the rectorat: the same sections, headings and tables as the PDF
(`dashboards.report_pdf`), each section followed by a paragraph to write. Charts are the PDF's;
here their figures stay in the tables.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table

from dashboards.overview import Figure
from dashboards.report import TASKS_PER_TYPE, QuestionBlock, Report, ReportTable
from rupn.formatting import format_date, of

BLUE = RGBColor(0x00, 0x00, 0x91)
GREY = RGBColor(0x3A, 0x3A, 0x3A)
TO_WRITE = "[Analyse de la délégation académique au numérique à compléter.]"


def _styles(document: DocumentObject) -> None:
    normal = document.styles["Normal"]
    normal.font.name = "Arial"  # type: ignore[attr-defined]
    normal.font.size = Pt(10)  # type: ignore[attr-defined]
    for name, size in (("Title", 18), ("Heading 1", 14), ("Heading 2", 11.5), ("Heading 3", 10.5)):
        style = document.styles[name]
        style.font.name = "Arial"  # type: ignore[attr-defined]
        style.font.size = Pt(size)  # type: ignore[attr-defined]
        style.font.color.rgb = BLUE  # type: ignore[attr-defined]
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(1.8))
    section.top_margin = section.bottom_margin = Cm(1.8)


def _table(
    document: DocumentObject,
    no_previous: str,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
) -> Table:
    """A table with a header row; without a previous year (`no_previous` its label), its
    columns and the difference are left out."""
    if no_previous:
        kept = [i for i, h in enumerate(header) if h not in (no_previous, "Écart")]
        header = [header[i] for i in kept]
        rows = [[row[i] for i in kept] for row in rows]
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, header, strict=False):
        cell.text = ""
        run = cell.paragraphs[0].add_run(text)
        run.bold = True
        run.font.size = Pt(8)
    for values in rows:
        cells = table.add_row().cells
        for index, (cell, text) in enumerate(zip(cells, values, strict=False)):
            cell.text = ""
            paragraph = cell.paragraphs[0]
            if index:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            run = paragraph.add_run(text)
            run.font.size = Pt(8)
    # The first row repeats on each page, as a table header.
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    row_properties = table.rows[0]._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    row_properties.append(repeat)
    return table


def _caption(document: DocumentObject, text: str) -> None:
    paragraph = document.add_paragraph()
    run = paragraph.add_run(text)
    run.bold = True
    run.font.size = Pt(9)
    paragraph.paragraph_format.space_after = Pt(2)
    paragraph.paragraph_format.keep_with_next = True


def _cell(f: Figure, previous_label: str) -> str:
    if not previous_label:
        return f.text
    return f"{f.text}\n{previous_label} : {f.previous_text}\nécart : {f.difference_text}"


def _figures_table(document: DocumentObject, table: ReportTable, previous_label: str) -> None:
    """`previous_label` empty: no previous year."""
    _caption(document, table.caption)
    rows = [[label, *(_cell(f, previous_label) for f in figures)] for label, figures in table.lines]
    if table.total:
        label, figures = table.total
        rows.append([label, *(_cell(f, previous_label) for f in figures)])
    _table(document, "", [table.first, *table.full_columns], rows)


def _words(value: object, singular: str, plural: str) -> str:
    """French agreement: 0 and 1 take the singular."""
    return plural if isinstance(value, int | Decimal) and value > 1 else singular


def _to_write(document: DocumentObject) -> None:
    paragraph = document.add_paragraph()
    run = paragraph.add_run(TO_WRITE)
    run.italic = True
    run.font.color.rgb = GREY


def _question(
    document: DocumentObject, section: int, q: QuestionBlock, year: str, previous: str, gone: str
) -> None:
    """`gone`: the previous year's label when there is none (its columns left out)."""
    document.add_heading(f"{section}.{q.number} {q.label}", level=3)
    meta = f"{q.answered.text} {_words(q.answered.value, 'réponse', 'réponses')}"
    if not gone:
        meta += f" ({previous} : {q.answered.previous_text})"
    if q.multiple:
        meta += " · plusieurs réponses possibles"
    if q.condition:
        meta += f" · {q.condition}"
    document.add_paragraph(meta)
    if q.bars:
        _table(
            document,
            gone,
            ["Réponse", "Réponses", year, previous, "Écart"],
            [
                [
                    b.label,
                    str(b.count),
                    b.share.text,
                    b.share.previous_text,
                    b.share.difference_text,
                ]
                for b in q.bars
            ],
        )
    elif q.grid:
        _table(
            document,
            gone,
            ["", *q.columns],
            [
                [
                    f"{row.label} ({row.answered} {_words(row.answered, 'réponse', 'réponses')})",
                    *(
                        f.text if gone else f"{f.text}\n{previous} : {f.previous_text}"
                        for f in row.cells
                    ),
                ]
                for row in q.grid
            ],
        )
    elif q.number_figures:
        _table(
            document,
            gone,
            ["", year, previous, "Écart"],
            [
                [k.label, k.figure.text, k.figure.previous_text, k.figure.difference_text]
                for k in q.number_figures
            ],
        )


def render_report_docx(report: Report) -> bytes:
    document = Document()
    _styles(document)
    year, previous = report.school_year.label, report.previous_label
    has_previous = report.previous_year is not None
    gone = "" if has_previous else previous
    shown = previous if has_previous else ""

    def was(text: str) -> str:
        return f" ({previous} : {text})" if has_previous else ""

    header = document.sections[0].header.paragraphs[0]
    header.text = f"Académie {of(report.academie.name)} – Délégation académique au numérique"
    footer = document.sections[0].footer.paragraphs[0]
    footer.text = f"{report.title} · {report.perimeter}"

    document.add_heading(
        "Synthèse annuelle des référents pour les usages pédagogiques du numérique", level=0
    )
    subtitle = document.add_paragraph()
    subtitle.add_run(f"Année scolaire {year} · {report.perimeter}").bold = True
    document.add_paragraph(
        "Cette synthèse rassemble les lettres de mission, le bilan de fin d’année des "
        "référents et l’enquête menée auprès des chefs d’établissement en "
        f"{year}. "
        + (
            f"Chaque chiffre est suivi de celui de {previous} et de l’écart."
            if has_previous
            else "La plateforme n’a pas de données de l’année précédente : les chiffres sont "
            "donnés sans comparaison."
        )
    )
    _to_write(document)

    document.add_heading("1. L’essentiel", level=1)
    _caption(document, f"Les chiffres clés de {year}")
    _table(
        document,
        gone,
        ["Indicateur", year, previous, "Écart"],
        [
            [k.label, k.figure.text, k.figure.previous_text, k.figure.difference_text]
            for k in report.key_figures
        ],
    )
    _to_write(document)

    document.add_heading("2. Établissements couverts et référents", level=1)
    for table in report.coverage:
        _figures_table(document, table, shown)
    _to_write(document)

    document.add_heading("3. Les lettres de mission", level=1)
    document.add_paragraph(
        f"{report.with_letter.text} "
        f"{_words(report.with_letter.value, 'référent a', 'référents ont')} "
        "signé une lettre de mission, soit "
        f"{report.with_letter_share.text} des référents"
        + was(f"{report.with_letter.previous_text}, soit {report.with_letter_share.previous_text}")
        + "."
    )
    for table in report.letters:
        _figures_table(document, table, shown)
    _to_write(document)

    document.add_heading("4. Les tâches les plus souvent confiées", level=1)
    document.add_paragraph(
        "Les tâches inscrites dans les lettres signées, par type d’établissement : la part des "
        f"lettres signées du type qui confient chacune (les {TASKS_PER_TYPE} plus fréquentes, "
        "puis les tâches que l’établissement a écrites lui-même)."
    )
    for block in report.tasks_by_type:
        _caption(
            document,
            f"{block.type_label} : {block.letters.text} "
            f"{_words(block.letters.value, 'lettre signée', 'lettres signées')}"
            + was(block.letters.previous_text),
        )
        _table(
            document,
            gone,
            ["Tâche", "Lettres", year, previous, "Écart"],
            [
                [
                    t.label,
                    t.letters.text,
                    t.share.text,
                    t.share.previous_text,
                    t.share.difference_text,
                ]
                for t in block.tasks
            ],
        )
    if not report.tasks_by_type:
        document.add_paragraph(f"Aucune lettre signée en {year}.")
    _to_write(document)

    document.add_heading("5. Les tâches des lettres : ce qui a été fait", level=1)
    done = report.tasks_done
    if done is not None:
        document.add_paragraph(
            "Dans leur bilan, les référents ont dit, pour chaque tâche de leur lettre, si elle "
            f"a été faite : {done.answered.text} "
            f"{_words(done.answered.value, 'réponse', 'réponses')}"
            + was(done.answered.previous_text)
            + "."
        )
        _caption(document, "Toutes les tâches des lettres")
        _table(
            document,
            gone,
            ["État", year, previous, "Écart"],
            [[label, f.text, f.previous_text, f.difference_text] for label, f in done.rows],
        )
        if done.done_by_type:
            _caption(document, "Tâches faites, par type d’établissement")
            _table(
                document,
                gone,
                ["Type", year, previous, "Écart"],
                [
                    [label, f.text, f.previous_text, f.difference_text]
                    for label, f in done.done_by_type
                ],
            )
        if done.tasks:
            _caption(document, "Les tâches les plus souvent évaluées")
            _table(
                document,
                gone,
                ["Tâche", "Réponses", *done.statuses],
                [
                    [label, str(answered), *(f.text for f in shares)]
                    for label, answered, shares in done.tasks
                ],
            )
    else:
        document.add_paragraph(
            f"Le bilan de {year} n’a pas de réponse à la question des tâches de la lettre."
        )
    _to_write(document)

    document.add_heading("6. Taux de réponse", level=1)
    for table in report.rates:
        _figures_table(document, table, shown)
    _to_write(document)

    for number, part in enumerate(report.surveys, start=7):
        document.add_heading(f"{number}. {part.title} : résultats par question", level=1)
        if not part.has_campaign:
            document.add_paragraph(f"Aucune campagne en {year}.")
            continue
        document.add_paragraph(
            f"{part.survey_title} : {part.submitted.text} "
            f"{_words(part.submitted.value, 'réponse envoyée', 'réponses envoyées')} sur "
            f"{part.invited.text} {_words(part.invited.value, 'invitation', 'invitations')}, "
            f"soit {part.rate.text}" + was(part.rate.previous_text) + "."
        )
        for q in part.questions:
            _question(document, number, q, year, previous, gone)
        _to_write(document)

    document.add_heading("9. Extraits des réponses libres", level=1)
    document.add_paragraph(
        "Quelques réponses, telles qu’écrites, sans nom ni coordonnées : seul le type "
        "d’établissement est indiqué."
    )
    for part in report.surveys:
        if not part.texts:
            continue
        document.add_heading(part.title, level=2)
        for text_block in part.texts:
            document.add_heading(text_block.label, level=3)
            total = text_block.total
            document.add_paragraph(f"{total} {_words(total, 'réponse', 'réponses')}")
            for e in text_block.excerpts:
                document.add_paragraph(
                    f"«\u00a0{e.text}\u00a0» – {e.establishment_type}", style="List Bullet"
                )
    if not report.has_texts:
        document.add_paragraph(f"Aucune réponse libre en {year}.")
    _to_write(document)

    document.add_heading("Méthode", level=1)
    for note in report.notes:
        document.add_paragraph(note, style="List Bullet")
    document.add_paragraph(
        f"Établie le {format_date(report.generated_at, time=True)} sur les données de la "
        "plateforme à cette date.",
        style="List Bullet",
    )

    core = document.core_properties
    core.title = f"{report.title} – {report.perimeter}"
    core.author = "Délégation académique au numérique"
    core.language = "fr-FR"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
