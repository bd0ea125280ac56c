"""LaTeX in titles and abstracts (arXiv mail, feeds, BibTeX) turned into text a person reads.

Conservative on purpose: only constructs it recognises are rewritten (accents, font
commands, common math symbols, `~`, escaped specials); anything else stays as written,
so an abstract that merely contains a backslash or `$5` never loses text.
"""

from __future__ import annotations

import re
import unicodedata

# \'a  \"{o}  {\"o}  \H{o}  \c c  — accent commands to Unicode combining marks.
_ACCENTS = {
    "'": "\u0301",
    "`": "\u0300",
    "^": "\u0302",
    '"': "\u0308",
    "~": "\u0303",
    "=": "\u0304",
    ".": "\u0307",
    "u": "\u0306",
    "v": "\u030c",
    "H": "\u030b",
    "c": "\u0327",
    "k": "\u0328",
    "r": "\u030a",
    "d": "\u0323",
}
_ACCENT = re.compile(
    r"\{?\\(?P<cmd>['`^\"~=.]|[uvHckrd](?![A-Za-z]))\s*(?:\{(?P<braced>\\?[A-Za-z]?)\}|(?P<bare>\\?[A-Za-z]))\}?"
)
_LETTERS = {
    r"\ss": "ß",
    r"\o": "ø",
    r"\O": "Ø",
    r"\aa": "å",
    r"\AA": "Å",
    r"\ae": "æ",
    r"\AE": "Æ",
    r"\oe": "œ",
    r"\OE": "Œ",
    r"\l": "ł",
    r"\L": "Ł",
    r"\i": "ı",
    r"\j": "ȷ",
}
_SYMBOLS = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε",
    "zeta": "ζ", "eta": "η", "theta": "θ", "vartheta": "ϑ", "iota": "ι", "kappa": "κ",
    "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ",
    "tau": "τ", "upsilon": "υ", "phi": "φ", "varphi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω",
    "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π", "Sigma": "Σ",
    "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω", "ell": "ℓ", "hbar": "ℏ", "infty": "∞", "partial": "∂",
    "nabla": "∇", "sim": "∼", "simeq": "≃", "approx": "≈", "propto": "∝", "times": "×", "cdot": "·",
    "pm": "±", "mp": "∓", "leq": "≤", "le": "≤", "geq": "≥", "ge": "≥", "neq": "≠", "ne": "≠",
    "ll": "≪", "gg": "≫", "lesssim": "≲", "gtrsim": "≳", "to": "→", "rightarrow": "→",
    "leftarrow": "←", "Rightarrow": "⇒", "mapsto": "↦", "in": "∈", "notin": "∉", "subset": "⊂",
    "subseteq": "⊆", "cup": "∪", "cap": "∩", "forall": "∀", "exists": "∃", "sum": "∑", "prod": "∏",
    "int": "∫", "sqrt": "√", "odot": "⊙", "oplus": "⊕", "otimes": "⊗", "circ": "∘", "deg": "°",
    "degree": "°", "dots": "…", "ldots": "…", "cdots": "⋯", "prime": "′", "star": "⋆", "ast": "∗",
    "langle": "⟨", "rangle": "⟩", "mid": "|", "vert": "|", "log": "log", "exp": "exp", "min": "min",
    "max": "max", "sin": "sin", "cos": "cos", "arg": "arg", "lim": "lim", "sup": "sup", "inf": "inf",
    "textasciitilde": "~", "textless": "<", "textgreater": ">", "S": "§", "textbar": "|", "dag": "†", "odot_": "⊙",
}  # fmt: skip
# Math accents: `\dot{p}`, `\dot p`, `\hat x`, `\vec{v}` → the letter with a combining mark.
_MATH_ACCENTS = {
    "dot": "\u0307", "ddot": "\u0308", "hat": "\u0302", "widehat": "\u0302", "bar": "\u0304",
    "overline": "\u0305", "tilde": "\u0303", "widetilde": "\u0303", "vec": "\u20d7", "check": "\u030c",
}  # fmt: skip
_MATH_ACCENT = re.compile(
    r"\\(?P<cmd>" + "|".join(_MATH_ACCENTS) + r")(?![A-Za-z])"
    r"(?:\s*\{\s*(?P<braced>[A-Za-z]|\\[A-Za-z]+)\s*\}|\s*(?P<command>\\[A-Za-z]+)|\s+(?P<bare>[A-Za-z])(?![A-Za-z]))"
)
_BREAKS = re.compile(r"\s*(?:\\(?:newline|linebreak|par)(?![A-Za-z])|\\\\(?![A-Za-z]))\s*")
_SPACING = re.compile(r"\\[,;:! ]|\\quad\b|\\qquad\b")
_FONT = re.compile(
    r"\\(?:text(?:it|bf|tt|sc|rm|sf|up|sl|normal)?|emph|mathrm|mathbf|mathit|mathcal|mathbb|mathsf|mathtt"
    r"|operatorname|boldsymbol|bm|underline|textsuperscript|textsubscript|mbox|hbox|url|href\{[^{}]*\})"
    r"\s*\{(?P<body>[^{}]*)\}"
)
_OLD_FONT = re.compile(r"\{\\(?:it|bf|em|rm|sc|tt|sf|sl|small|large|Large|bfseries|itshape)\s+(?P<body>[^{}]*)\}")
_DECLARATIONS = re.compile(
    r"\\(?:rm|it|bf|em|sc|tt|sf|displaystyle|textstyle|left|right|big|Big|bigg|Bigg)(?![A-Za-z])"
)
_COMMAND = re.compile(r"\\(?P<name>[A-Za-z]+)(?![A-Za-z])")
_ESCAPED = re.compile(r"\\(?P<ch>[&%$#_{}])")
_MATH = re.compile(r"(?<!\\)\$\$?(?P<body>[^$]{1,300}?)(?<!\\)\$\$?")
_SCRIPT = re.compile(r"(?P<op>[_^])\{(?P<body>[^{}]{1,40})\}")
_SUPERSCRIPTS = str.maketrans("0123456789+-=()n", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿ")
_SUBSCRIPTS = str.maketrans("0123456789+-=()", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎")
_PLAIN_SCRIPT = re.compile(r"^[0-9+\-=()n]+$")
_GROUP = re.compile(r"(?<!\\)\{(?P<body>[^{}\\$]*)\}")


def _accent(match: re.Match[str]) -> str:
    base = match["braced"] if match["braced"] is not None else match["bare"]
    base = _LETTERS.get(base, base.lstrip("\\")) if base else ""
    if not base:
        return match.group(0)
    return unicodedata.normalize("NFC", base + _ACCENTS[match["cmd"]])


def _math_accent(match: re.Match[str]) -> str:
    """`\\dot{p}` → ṗ, `\\hat\\sigma` → σ̂; an argument that is no letter or known symbol is left as written."""
    base = match["braced"] or match["command"] or match["bare"]
    if base.startswith("\\"):
        base = _SYMBOLS.get(base[1:], "")
    if len(base) != 1:
        return match.group(0)
    return unicodedata.normalize("NFC", base + _MATH_ACCENTS[match["cmd"]])


def _script(match: re.Match[str]) -> str:
    body = match["body"]
    if _PLAIN_SCRIPT.match(body) and not (match["op"] == "_" and "n" in body):
        return body.translate(_SUPERSCRIPTS if match["op"] == "^" else _SUBSCRIPTS)
    if len(body) == 1 or (body.startswith("(") and body.endswith(")") and body.count("(") == 1):
        return f"{match['op']}{body}"  # `^{(X-ray)}` → `^(X-ray)`, not `^((X-ray))`
    return f"{match['op']}({body})"


def _math(match: re.Match[str]) -> str:
    body = _SCRIPT.sub(_script, match["body"])
    body = re.sub(r"(?<=[A-Za-z0-9)])\^(?P<d>[0-9])", lambda m: m["d"].translate(_SUPERSCRIPTS), body)
    return body


def _command(match: re.Match[str]) -> str:
    name = match["name"]
    if name in _SYMBOLS:
        return _SYMBOLS[name]
    letter = _LETTERS.get("\\" + name)
    return letter if letter is not None else match.group(0)


# What paperterm's own BibTeX export writes for characters that must stay literal (a stray `}`, a `~`):
# set aside before the clean-up and restored after it, so an exported title reads back unchanged.
_LITERALS = {
    "\\textbraceleft{}": "\ue000",
    "\\textbraceright{}": "\ue001",
    "\\textasciitilde{}": "\ue002",
    "\\textbackslash{}": "\ue003",
    "\\textdollar{}": "\ue004",
    "-{}": "\ue005",
    "`{}": "\ue006",
    "'{}": "\ue007",
}
_RESTORE = str.maketrans({
    "\ue000": "{", "\ue001": "}", "\ue002": "~", "\ue003": "\\", "\ue004": "$", "\ue005": "-", "\ue006": "`",
    "\ue007": "'",
})  # fmt: skip


def latex_to_text(text: str) -> str:
    """`$\\ell_0$`, `Schr{\\"o}dinger`, `\\textit{via}`, `10~Mpc` → `ℓ_0`, `Schrödinger`, `via`, `10 Mpc`."""
    if "\\" not in text and "$" not in text and "~" not in text and "{" not in text:
        return text
    literal = "{}" in text
    if literal:
        for written, mark in _LITERALS.items():
            text = text.replace(written, mark)
    if "textbackslash" in text:  # Zotero escapes LaTeX it finds in a field: `{\textbackslash}emph\{x\}`
        text = re.sub(r"\{\\textbackslash\}|\\textbackslash\s?", lambda _: "\\", text)
        text = text.replace("\\{", "{").replace("\\}", "}")
    for _ in range(3):  # nested font commands: \textbf{\emph{x}}
        new = _OLD_FONT.sub(r"\g<body>", _FONT.sub(r"\g<body>", text))
        if new == text:
            break
        text = new
    text = _ACCENT.sub(_accent, text)
    text = _MATH_ACCENT.sub(_math_accent, text)
    text = _BREAKS.sub(" ", text)
    text = _SPACING.sub(" ", text)
    text = _MATH.sub(_math, text)
    text = _DECLARATIONS.sub("", text)
    text = _COMMAND.sub(_command, text)
    text = _ESCAPED.sub(r"\g<ch>", text)
    text = re.sub(r"(?<![\\\s])~(?=\S)", " ", text)  # a tie between words; `~5 K` (approx.) stays
    text = text.replace("---", "—").replace("``", "“").replace("''", "”")
    for _ in range(3):  # {NeRF}: {Representing} — BibTeX case-protection braces
        new = _GROUP.sub(r"\g<body>", text)
        if new == text:
            break
        text = new
    return text.translate(_RESTORE) if literal else text
