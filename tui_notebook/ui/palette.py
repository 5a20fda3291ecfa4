"""Command palette: every action in the key table, searchable, with its current keys."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from . import keys


class NotebookCommands(Provider):
    def _commands(self) -> list[tuple[str, str, keys.KeySpec]]:
        keymap = getattr(self.app, "_keymap", {})
        result = []
        for spec in keys.KEYS:
            if not spec.palette or spec.scope not in ("app", "notebook") or spec.id.startswith("cursor-"):
                continue
            title = spec.description.split(" (")[0]
            result.append((title, f"{keys.chord_display(spec, keymap)}   ·   {spec.id}", spec))
        return result

    async def discover(self) -> Hits:
        for title, help_text, spec in self._commands():
            yield DiscoveryHit(title, partial(self.app.dispatch_key_spec, spec), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, spec in self._commands():
            score = max(matcher.match(title), matcher.match(spec.id))
            if score > 0:
                yield Hit(score, matcher.highlight(title), partial(self.app.dispatch_key_spec, spec), help=help_text)
