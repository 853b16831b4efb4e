"""Reads the report page the way a person does: every table's cells, and the raw value each carries."""

from html.parser import HTMLParser


class ReportPage(HTMLParser):
    def __init__(self, html):
        super().__init__()
        self.tables = {}  # key -> {"headings": [...], "rows": [[raw, ...], ...], "shown": [[text, ...], ...]}
        self.highlights = {}
        self._table = None
        self._cell = None
        self._heading = None
        self._highlight = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and "data-table" in attrs:
            self._table = self.tables.setdefault(attrs["data-table"], {"headings": [], "rows": [], "shown": []})
        elif self._table is not None and tag == "tr":
            self._table["rows"].append([])
            self._table["shown"].append([])
        elif self._table is not None and tag == "th":
            self._heading = ""
        elif self._table is not None and tag == "td":
            self._table["rows"][-1].append(attrs.get("data-value", ""))
            self._cell = ""
        elif tag == "strong" and "data-highlight" in attrs:
            self._highlight = attrs["data-highlight"]
            self.highlights[self._highlight] = ""

    def handle_endtag(self, tag):
        if tag == "table" and self._table is not None:
            self._table["rows"] = [row for row in self._table["rows"] if row]
            self._table["shown"] = [row for row in self._table["shown"] if row]
            self._table = None
        elif tag == "th" and self._heading is not None:
            self._table["headings"].append(self._heading.strip())
            self._heading = None
        elif tag == "td" and self._cell is not None:
            self._table["shown"][-1].append(self._cell.strip())
            self._cell = None
        elif tag == "strong":
            self._highlight = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data
        if self._heading is not None:
            self._heading += data
        if self._highlight is not None:
            self.highlights[self._highlight] += data

    def column(self, key, heading):
        table = self.tables[key]
        return table["headings"].index(heading)

    def row(self, key, first_cell):
        """The shown cells of the row whose first shown cell is `first_cell`."""
        for shown in self.tables[key]["shown"]:
            if first_cell in shown[:2]:
                return shown
        raise AssertionError(f"{first_cell!r} not in table {key}")
