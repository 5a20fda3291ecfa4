"""A modal paints the screen below it as that screen is now, not as it was at its last layout pass.

A modal screen's translucent background shows the screen below, drawn from that screen's compositor map, which
is the arrangement of its last layout pass. Textual lays a screen out on its own paint timer, so between a change
to the screen below (widgets removed, say: the sidebar rebuilding its tabs for the next cell) and that screen's
next frame, the map still lists widgets that are gone. When the modal paints in that window (its first frame
right after being opened, say), it draws those removed widgets, and a removed TextArea raises KeyError ("No
'text-area--gutter' key in COMPONENT_CLASSES": Textual clears a widget's component styles when it is removed).

:func:`lay_out_screens_below` runs, each time the top screen is about to paint, the pending frame of each
screen it shows through, as their own timers would a moment later: they are laid out before they are drawn, and
the regions they changed are marked for the top screen's next frame, as Textual does. A screen's frame is pending
when it has a layout pass to do, or when its map lists a removed widget (the screen has not heard yet). A Textual bug
(textual 8.2.8: ``BackgroundScreen`` renders ``screen._compositor`` whether or not that screen has a layout
pending, and each screen's ``_on_timer_update`` runs on its own timer, in no set order); the canary test in
``tests/ui/test_screens_below.py`` says when Textual no longer needs this.

Only a top screen whose background is translucent shows the screens below it (``Screen.render`` draws them only
then), but Textual counts the screens below as visible whatever the top screen's background
(``App._background_screens`` looks at the screens below, not at the top one): they keep painting, and each paint
of a screen below repaints the regions it changed on the top screen, an opaque one (the help) too. The help's
first frame got a third, identical paint that way whenever the notebook screen's frame came after it.
:func:`shown_through` is the rule: a screen below paints nothing while an opaque screen covers it
(:func:`keep_frame_for_later`), and the top screen lays out only the screens it shows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.geometry import Region

if TYPE_CHECKING:
    from textual.screen import Screen


def shown_through(screen: "Screen") -> bool:
    """Whether the screens below ``screen`` show through it: its background is translucent (as Textual's
    ``Screen.render`` decides whether to draw them)."""
    return screen.styles.background.a < 1


def covered(screen: "Screen") -> bool:
    """Whether ``screen`` is below the top screen and that screen is opaque: nothing of it is on the terminal."""
    app = screen.app
    stack = app._screen_stack  # noqa: SLF001 - the stack itself; App.screen_stack copies it
    return bool(stack) and stack[-1] is not screen and not shown_through(stack[-1])


def keep_frame_for_later(screen: "Screen") -> None:
    """Instead of painting a covered ``screen``, keep what it would have painted for its next frame.

    Its changed widgets' regions are already in its compositor's dirty regions; they stay there (as one region,
    so that a screen covered for a long time keeps a bounded list) for the frame in which it shows again.
    Textual also repaints the whole screen when it is shown again; the kept region covers a top screen that
    turns translucent without the screen below being shown again."""
    compositor = screen._compositor  # noqa: SLF001
    if compositor._dirty_regions:  # noqa: SLF001
        compositor._dirty_regions = {Region.from_union(list(compositor._dirty_regions))}  # noqa: SLF001
    screen._dirty_widgets.clear()  # noqa: SLF001 - else its idle handler asks for this frame again at once


def lists_removed_widgets(screen: "Screen") -> bool:
    """Whether ``screen``'s compositor map still lists a widget that has been removed.

    The map goes stale a few message hops before the screen itself knows: a removed widget is detached (and its
    component styles cleared) at once, its parent then asks for a layout, and the screen hears of it last."""
    return any(widget.parent is None for widget in screen._compositor.visible_widgets)  # noqa: SLF001


def lay_out_screens_below(screen: "Screen") -> None:
    """If ``screen`` is the top screen, give each screen visible through it the frame it has pending now."""
    app = screen.app
    stack = app._screen_stack  # noqa: SLF001 - the stack itself; App.screen_stack copies it
    if not stack or stack[-1] is not screen or not shown_through(screen):
        return
    for below in app._background_screens:  # noqa: SLF001 - the screens Textual draws under the top one
        if below._layout_required or below._scroll_required or lists_removed_widgets(below):  # noqa: SLF001
            # the frame its paint timer would run next (Screen's own flags and method), with a layout pass
            below._layout_required = True  # noqa: SLF001
            below._on_timer_update()  # noqa: SLF001
