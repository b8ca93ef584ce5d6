"""`{% load links %}`: `{% url_with_query 'indemnities:budget' annee=year.start_year %}`.

The tag takes the URL name, its path arguments, then the query parameters, and may end with
`as name`. It shares `rupn.links.url_with_query` with the views' redirects.
"""

from __future__ import annotations

from django import template

from rupn import links

register = template.Library()


@register.simple_tag(name="url_with_query")
def url_with_query(viewname: str, *args: object, **query: object) -> str:
    return links.url_with_query(viewname, *args, **query)
