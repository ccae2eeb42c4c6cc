"""The Textual front end: a step list, the current step's view, the key bindings.

The app owns navigation only. What to ask comes from `wizard.flow.Flow` (through
`navigation.Navigator`); what an answer means, and every check and write, comes from
the services the CLI calls (`wizard.ui.tui.services`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import suppress
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual._log import LogGroup, LogVerbosity
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Container, Horizontal
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Static
from textual.worker import get_current_worker

from wizard.flow import Flow
from wizard.model.exits import EXIT_CANCELLED, EXIT_OK
from wizard.model.redact import printable
from wizard.ui.tui import services
from wizard.ui.tui.navigation import Navigator, Page, PageKind, Step
from wizard.ui.tui.views.base import StepView
from wizard.ui.tui.widgets.step_list import StepList

if TYPE_CHECKING:
    from wizard.ui.tui.views.choice import RegistryView
    from wizard.ui.tui.views.current_setup import CurrentSetupView
    from wizard.ui.tui.views.done import DoneView

# Each step's view is imported when its step is first shown (the cloud guide's markdown
# renderer alone is ~40 ms): the first screen pays only for its own. The rest are
# imported in a thread once the first screen is up (`_warm_views`), so a later step
# opens without that wait.
_VIEW_MODULES = (
    "choice",
    "fields",
    "current_setup",
    "cloud",
    "credentials",
    "check",
    "review",
    "done",
)


def _is_review(view: object) -> bool:
    from wizard.ui.tui.views.review import ReviewView

    return isinstance(view, ReviewView)


def _no_event_log_file() -> None:
    """TEXTUAL_LOG makes textual append every event to a file: each key typed into a token
    field, and `Input.Changed(value=...)` with the whole token. Not in this app."""
    from textual import constants

    if constants.LOG_FILE:
        constants.LOG_FILE = None  # type: ignore[misc]


class WizardApp(App[int]):
    CSS_PATH = "wizard.tcss"
    TITLE = "Registry Wizard"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
        Binding("q", "quit", "Quit"),
        Binding("escape", "back", "Back"),
        Binding("ctrl+t", "toggle_theme", "Light/dark", show=False),
    ]

    def __init__(
        self,
        flow: Flow,
        *,
        cursor_blink: bool = True,
        spinners: bool = True,
        theme: str | None = None,
        on_first_frame: Callable[[], None] | None = None,
    ) -> None:
        super().__init__()
        _no_event_log_file()
        self.flow = flow
        self.cursor_blink = cursor_blink  # off in tests: stable snapshots
        self.spinners = spinners  # off in tests: a spinner frame is no snapshot
        if theme:
            self.theme = theme
        self.current = services.current_setup(flow)
        self.nav = Navigator(flow, has_current_setup=self.current is not None)
        self.provision_plan: Any = None  # a confirmed ProvisionPlan, applied on Write
        self.outcome: services.Outcome | None = None
        self.page: Page | None = None
        self.busy = False  # a worker is using the flow: answers wait
        self.writing = False  # quitting now could not say whether anything was written
        self._primed: tuple[object, ...] | None = None
        self._on_first_frame = on_first_frame

    # -- layout ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="body"):
            yield StepList()
            yield Container(id="content")
        yield Footer()

    async def on_mount(self) -> None:
        self.sub_title = printable(str(self.flow.config))  # a path may hold an ESC
        problem = self.flow.write_problem
        if problem:
            self.notify(
                printable(problem),
                title="config.yaml cannot be written as it is",
                severity="warning",
                timeout=15,
                markup=False,  # a path may hold [brackets]
            )
        await self.show_page()
        self.set_timer(0.3, self._warm_views)  # after the first frame is on the terminal

    def on_ready(self) -> None:
        """The first frame is on the terminal."""
        if self._on_first_frame is not None:
            self._on_first_frame()

    @property
    def view(self) -> StepView | None:
        views = self.query("#content > StepView")
        return views.first(StepView) if views else None

    @property
    def finished(self) -> bool:
        """config.yaml was written, or already had the setup: exit 0."""
        return self.outcome is not None

    async def show_page(self) -> None:
        if self._needs_facts():
            if self.view is None:  # the first screen: say why it is empty
                await self.query_one("#content").mount(
                    Static("Reading your Baseten organization…", id="loading")
                )
            return
        page = self.nav.page()
        if page.step < Step.CLOUD:
            self.provision_plan = None  # planned for values that may change now
        if page.kind is PageKind.DONE and self.outcome is None:
            if self.flow.value("yes") != "yes":  # never write what was not reviewed
                raise RuntimeError("the wizard reached Done without the Review step's Write")
            self._write()
            return
        await self._mount(self._view_for(page))
        self.page = page
        steps = self.query_one(StepList)
        steps.locked = self.finished
        steps.show(self.nav.states(page))
        self.refresh_bindings()  # Back may be new or gone

    async def _mount(self, view: StepView) -> None:
        content = self.query_one("#content")
        await content.remove_children()  # a removed view's workers are cancelled
        await content.mount(view)

    def _view_for(self, page: Page) -> StepView:
        flow, k = self.flow, page.kind
        if k is PageKind.CURRENT:
            from wizard.ui.tui.views.current_setup import CurrentSetupView

            assert self.current is not None
            return CurrentSetupView(page, flow, self.current)
        if k in (PageKind.IMAGE, PageKind.FIELDS, PageKind.FACTS):
            from wizard.ui.tui.views.fields import FieldsView

            if k is PageKind.IMAGE:
                title, subtitle = "Registry", "Which private image should Baseten pull?"
            elif k is PageKind.FIELDS:
                title = f"Method · {services.method_label(flow)}"
                subtitle = "The values config.yaml needs for this method."
            else:
                title = "Cloud setup · Baseten facts"
                subtitle = "The guide fills these in; leave one empty to keep a placeholder."
            return FieldsView(page, flow, title=title, subtitle=subtitle)
        if k in (PageKind.REGISTRY, PageKind.METHOD, PageKind.CHOICE):
            from wizard.ui.tui.views.choice import ChoiceView, MethodView, RegistryView

            if k is PageKind.REGISTRY:
                return RegistryView(page, flow)
            if k is PageKind.METHOD:
                return MethodView(page, flow, prefer_recommended=self.nav.prefer_recommended)
            return ChoiceView(page, flow, title=page.step.label)
        if k is PageKind.CLOUD:
            from wizard.ui.tui.views.cloud import CloudView

            return CloudView(page, flow)
        if k is PageKind.CREDENTIALS:
            from wizard.ui.tui.views.credentials import CredentialsView

            return CredentialsView(page, flow)
        if k is PageKind.CHECK:
            from wizard.ui.tui.views.check import CheckView

            return CheckView(page, flow)
        if k is PageKind.REVIEW:
            from wizard.ui.tui.views.review import ReviewView

            plan = self.provision_plan if flow.value("provision") == "yes" else None
            return ReviewView(page, flow, provision=plan)
        from wizard.ui.tui.views.done import DoneView

        assert self.outcome is not None
        return DoneView(page, flow, self.outcome)

    @work(thread=True, exclusive=True, group="warm")
    def _warm_views(self) -> None:
        """Import the other steps' views while the user reads the first screen."""
        import importlib

        for name in _VIEW_MODULES:
            if get_current_worker().is_cancelled:
                return
            importlib.import_module(f"wizard.ui.tui.views.{name}")

    # -- Baseten facts: fetched once per method, off the UI thread ---------------------------

    def _needs_facts(self) -> bool:
        """Start fetching the Baseten facts the method's questions need; True while that
        runs. Without a Baseten login there is nothing to fetch: no worker."""
        method = self.flow.method
        key = (self.flow.image, method.id if method else None)
        if method is None or key == self._primed:
            return False
        self._primed = key
        if not services.has_baseten_login():
            return False
        self.busy = True
        self._prime_facts()
        return True

    @work(thread=True, exclusive=True, group="facts")
    def _prime_facts(self) -> None:
        with suppress(Exception):  # without facts the guide shows placeholders
            self.flow.facts()
        if not get_current_worker().is_cancelled:
            self.call_from_thread(self._primed_facts)

    def _primed_facts(self) -> None:
        self.busy = False
        self.call_later(self.show_page)

    # -- what the views ask for ------------------------------------------------------------

    async def on_step_view_submitted(self, event: StepView.Submitted) -> None:
        event.stop()
        if self.busy:
            return
        errors = self.nav.submit(event.answers)
        if errors:
            view = self.view
            if view is not None:
                view.show_errors(errors)
            return
        if any(qid == "method" for qid, _ in event.answers):
            self._primed = None  # the flow forgets its facts on every method answer
        await self.show_page()

    async def on_step_view_back_requested(self, event: StepView.BackRequested) -> None:
        event.stop()
        await self.action_back()

    async def on_step_list_go_to(self, event: StepList.GoTo) -> None:
        event.stop()
        await self.go_to(event.step)

    async def go_to(self, step: Step) -> None:
        if self.busy or self.finished:
            return
        self.nav.go_to(step)
        await self.show_page()

    async def on_registry_view_change_image(self, event: RegistryView.ChangeImage) -> None:
        event.stop()
        if not self.busy:
            self.nav.change_image()
            await self.show_page()

    async def on_current_setup_view_fix(self, event: CurrentSetupView.Fix) -> None:
        event.stop()
        self.nav.fix()
        await self.show_page()

    async def on_current_setup_view_start_over(self, event: CurrentSetupView.StartOver) -> None:
        event.stop()
        self.nav.start_over()
        await self.show_page()

    def on_current_setup_view_keep(self, event: CurrentSetupView.Keep) -> None:
        event.stop()
        self.exit(EXIT_OK)  # nothing to change: a success, and "No changes were made."

    def on_done_view_quit(self, event: DoneView.Quit) -> None:
        event.stop()
        self.exit(EXIT_OK)

    # -- writing ---------------------------------------------------------------------------

    def _write(self) -> None:
        self.busy = self.writing = True
        view = self.view
        reviewed = None
        if _is_review(view):
            view.busy(True)  # type: ignore[union-attr]
            reviewed = view.review.plan if view.review else None  # type: ignore[union-attr]
        provision = self.provision_plan if self.flow.value("provision") == "yes" else None
        self._finish(provision, reviewed)

    @work(thread=True, exclusive=True, group="finish")
    def _finish(self, provision: Any, reviewed: Any) -> None:
        try:
            outcome: services.Outcome | None = services.finish(self.flow, provision, reviewed)
            error = None
        except services.FinishError as e:
            outcome, error = None, e.message
            if e.done:
                error += " (already created: " + "; ".join(e.done) + ")"
        except Exception as e:  # never lose the user's answers to a crash
            outcome, error = None, str(e) or type(e).__name__
        self.call_from_thread(self.call_later, self._finished, outcome, error)

    async def _finished(self, outcome: services.Outcome | None, error: str | None) -> None:
        self.busy = self.writing = False
        if outcome is None:
            self.nav.back()  # undo "yes": back on the Review step
            await self.show_page()
            if self.view is not None:
                self.view.show_error(error or "nothing was written")
            self.notify(
                printable(error or ""),
                title="Nothing was written",
                severity="error",
                timeout=8,
                markup=False,  # a path may hold [brackets]
            )
            return
        self.outcome = outcome
        await self.show_page()

    # -- keys and commands -----------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "back":
            page = self.page
            first = (
                page is None
                or page.kind is PageKind.CURRENT
                or (not self.nav.stack and not self.nav.has_current_setup)
            )
            return not (self.finished or first)
        return True

    async def action_back(self) -> None:
        if self.busy or self.finished or self.screen.is_modal:
            return
        if self.nav.back():
            await self.show_page()
        else:
            self.notify("This is the first step.", timeout=2)

    async def action_quit(self) -> None:
        if self.writing:
            self.notify("Writing config.yaml: quit when it is done.", timeout=3)
            return
        self.exit(EXIT_OK if self.finished else EXIT_CANCELLED)

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.current_theme.dark else "textual-dark"

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        if self.page is not None and not self.finished:
            for step, state in self.nav.states(self.page):
                if state.finished:
                    yield SystemCommand(
                        f"Go to step: {step.label}",
                        "Back to a finished step (later answers are undone)",
                        partial(self.go_to, step),
                    )
            if self.page.kind not in (PageKind.CURRENT,):
                yield SystemCommand("Back", "Undo the last step (Esc)", self.action_back)
        view = self.view
        if view is not None and not self.finished and not _is_review(view):
            go_on = view.query("#continue").results(Button)
            if any(not b.disabled and b.display and not b.has_class("-hidden") for b in go_on):
                yield SystemCommand("Continue", "Go on to the next step (Enter)", view.submit)
        if view is not None:
            for name, help_text, callback in view.palette_commands():
                yield SystemCommand(name, help_text, callback)
            if _is_review(view):
                yield SystemCommand("Write config.yaml", "Write the reviewed change", view.submit)
        yield SystemCommand(
            "Toggle light/dark theme", "Switch theme (Ctrl+T)", self.action_toggle_theme
        )
        yield from super().get_system_commands(screen)

    def _log(
        self,
        group: LogGroup,
        verbosity: LogVerbosity,
        _textual_calling_frame: Any,
        *objects: Any,
        **kwargs: Any,
    ) -> None:
        """Devtools logs every event and message, key presses and `Input.Changed(value=...)`
        among them: what the user types into a token field. Events are not logged."""
        if group is LogGroup.EVENT:
            return
        super()._log(group, verbosity, _textual_calling_frame, *objects, **kwargs)

    def _fatal_error(self) -> None:
        """Textual's crash report shows the locals of every frame: a typed token is one.
        Show the traceback without them."""
        from rich.segment import Segments
        from rich.traceback import Traceback

        self.bell()
        traceback = Traceback(show_locals=False, width=None)
        self._exit_renderables.append(
            Segments(self.console.render(traceback, self.console.options))
        )
        self._close_messages_no_wait()
