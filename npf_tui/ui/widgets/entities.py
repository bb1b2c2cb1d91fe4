"""The entity sidebar: the current document's people, organisations, places, concepts and media, grouped by type."""

from __future__ import annotations

from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from .keys import list_navigation
from .nocolor import NoColorHighlight

#: Group headings in display order (the core's entity types).
TYPE_TITLES = {
    "person": "People",
    "organisation": "Organisations",
    "place": "Places",
    "concept": "Slogans & concepts",
    "media": "Media",
}


def entity_content(entity, count: int) -> Content:
    """An entity's line: English and Chinese names (whichever exist) and its mention count."""
    names = [n for n in (entity.name_en, entity.name_zh) if n] or [entity.name]
    return Content.assemble((" / ".join(names), ""), (f"  {count}", "dim"))


class EntityList(NoColorHighlight):
    """Entities with disabled group headings between them."""

    BINDINGS = [
        Binding("enter", "choose", "Highlight", id="npf.entities.choose"),
        Binding("f", "search_corpus", "Find in corpus", id="npf.entities.search"),
        *list_navigation("npf.entities"),
    ]

    def action_choose(self) -> None:
        """Highlight the chosen entity's mentions in the reader."""
        self.parent_sidebar.choose(self.highlighted_option, search=False)

    def action_search_corpus(self) -> None:
        """Search the whole corpus for the entity under all its names."""
        self.parent_sidebar.choose(self.highlighted_option, search=True)

    @property
    def parent_sidebar(self) -> EntitySidebar:
        """The sidebar this list belongs to."""
        return self.query_ancestor(EntitySidebar)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """A mouse click chooses the entity."""
        event.stop()
        self.parent_sidebar.choose(event.option, search=False)


class EntitySidebar(Vertical):
    """Title, the grouped entity list and a hint line; posts Chosen when an entity is picked."""

    class Chosen(Message):
        """An entity was picked: highlight its mentions, or (`search`) search the corpus for it."""

        def __init__(self, entity, search: bool) -> None:
            """Carry the entity (core Entity) and what to do with it."""
            super().__init__()
            self.entity = entity
            self.search = search

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        """An empty sidebar."""
        super().__init__(id=id, classes=classes)
        self._entities: dict[str, object] = {}

    def compose(self):
        """Heading, list and key hint."""
        yield Static("Entities", classes="sidebar-title")
        yield EntityList(classes="entity-list")
        yield Static(
            Content.from_markup("[b]enter[/b] highlight · [b]n[/b]/[b]N[/b] step · [b]f[/b] find in corpus"),
            classes="sidebar-hint",
        )

    @property
    def entity_list(self) -> EntityList:
        """The list widget."""
        return self.query_one(EntityList)

    def show_counts(self, title: str, counts: list, message: str = "") -> None:
        """Fill the list with EntityCount records (already grouped by type); `message` replaces an empty list."""
        self.query_one(".sidebar-title", Static).update(Content.styled(title, "bold"))
        self._entities = {}
        options: list = []
        current_type = None
        for ec in counts:
            entity = ec.entity
            if entity.type != current_type:
                current_type = entity.type
                heading = TYPE_TITLES.get(current_type, current_type.title())
                options.append(Option(Content.styled(heading, "bold $text-accent"), disabled=True))
            self._entities[entity.id] = entity
            options.append(Option(entity_content(entity, ec.count), id=entity.id))
        if not options:
            options.append(
                Option(Content.styled(message or "No entities found in this document.", "dim italic"), disabled=True)
            )
        self.entity_list.set_options(options)
        first = next((i for i, o in enumerate(self.entity_list.options) if not o.disabled), None)
        self.entity_list.highlighted = first

    def choose(self, option: Option | None, search: bool) -> None:
        """Post Chosen for an entity option."""
        if option is None or option.id not in self._entities:
            return
        self.post_message(self.Chosen(self._entities[option.id], search))
