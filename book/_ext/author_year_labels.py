"""A bibliography style whose labels read like the book's citations: "Dumoulin and Visin, 2016".

The chapters cite in author-year form (``bibtex_reference_style: author_year`` in
``_config.yml``), but pybtex's styles label the list at the end with numbers ("[1]") or letters
("[DV16]"), which a reader cannot match to "[Dumoulin and Visin, 2016]". This Sphinx extension
registers the pybtex formatting style ``plain_author_year``: pybtex's ``plain`` entries,
labelled and sorted the way the citations print them, by the authors' last names (one author:
"Gray"; two: "Dumoulin and Visin"; more: "Odena et al.") and the year ("n.d." where the entry
has none, as sphinxcontrib-bibtex's citations write it).
"""

from pybtex.plugin import register_plugin
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.labels import BaseLabelStyle
from pybtex.style.sorting import BaseSortingStyle


def _who(entry) -> str:
    people = entry.persons.get("author") or entry.persons.get("editor") or []
    # "{PyTorch Contributors}" is one name in braces; drop them as LaTeX would.
    names = [" ".join(p.last_names).replace("{", "").replace("}", "") for p in people]
    if len(names) > 2:
        return f"{names[0]} et al."
    return " and ".join(names) or entry.key


def _year(entry) -> str:
    return entry.fields.get("year", "") or "n.d."


class AuthorYearLabelStyle(BaseLabelStyle):
    """Labels "Last, year", "Last and Last, year" or "Last et al., year"."""

    def format_labels(self, sorted_entries):
        for entry in sorted_entries:
            yield f"{_who(entry)}, {_year(entry)}"


class AuthorYearSortingStyle(BaseSortingStyle):
    """In the order of the labels: names, then year, then title."""

    def sorting_key(self, entry):
        return (_who(entry).lower(), _year(entry), entry.fields.get("title", "").lower())


class PlainAuthorYearStyle(PlainStyle):
    """pybtex's ``plain`` entries with author-year labels, sorted by them."""

    default_label_style = "author_year_labels"
    default_sorting_style = "author_year_labels"


def setup(app):
    register_plugin("pybtex.style.labels", "author_year_labels", AuthorYearLabelStyle)
    register_plugin("pybtex.style.sorting", "author_year_labels", AuthorYearSortingStyle)
    register_plugin("pybtex.style.formatting", "plain_author_year", PlainAuthorYearStyle)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
