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
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.screen import Screen


def lists_removed_widgets(screen: "Screen") -> bool:
    """Whether ``screen``'s compositor map still lists a widget that has been removed.

    The map goes stale a few message hops before the screen itself knows: a removed widget is detached (and its
    component styles cleared) at once, its parent then asks for a layout, and the screen hears of it last."""
    return any(widget.parent is None for widget in screen._compositor.visible_widgets)  # noqa: SLF001


def lay_out_screens_below(screen: "Screen") -> None:
    """If ``screen`` is the top screen, give each screen visible through it the frame it has pending now."""
    app = screen.app
    stack = app._screen_stack  # noqa: SLF001 - the stack itself; App.screen_stack copies it
    if not stack or stack[-1] is not screen:
        return
    for below in app._background_screens:  # noqa: SLF001 - the screens Textual draws under the top one
        if below._layout_required or below._scroll_required or lists_removed_widgets(below):  # noqa: SLF001
            # the frame its paint timer would run next (Screen's own flags and method), with a layout pass
            below._layout_required = True  # noqa: SLF001
            below._on_timer_update()  # noqa: SLF001
