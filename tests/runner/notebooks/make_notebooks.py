from pathlib import Path

import nbformat

out = Path(__file__).parent


def nb(name, cells):
    n = nbformat.v4.new_notebook()
    n.metadata["kernelspec"] = {
        "name": "sanctions-model",
        "display_name": "sanctions-model",
        "language": "python",
    }
    n.metadata["language_info"] = {"name": "python"}
    for kind, src, *tags in cells:
        c = nbformat.v4.new_markdown_cell(src) if kind == "md" else nbformat.v4.new_code_cell(src)
        if tags:
            c.metadata["tags"] = list(tags)
        n.cells.append(c)
    nbformat.write(n, str(out / f"{name}.ipynb"))


P = "parameters"
nb(
    "ok",
    [
        ("md", "# Tiny OK report\n\nWrites `results.json` and draws one figure."),
        (
            "code",
            'from typing import Literal\nlabel: str = "<b>plain</b>"  # a label shown in the report\nn: int = 3  # how many numbers\nscale: float = 1.5  # multiplier\nflow: Literal["exports", "imports"] = "exports"  # direction\nfigure: bool = True  # draw a figure',
            P,
        ),
        ("md", "## Numbers"),
        (
            "code",
            "import json, os\nvalues = [i * scale for i in range(n)]\ntotal = sum(values)\nprint(label, total)",
        ),
        ("md", "## Figure"),
        (
            "code",
            "if figure:\n    import base64\n    from IPython.display import Image, display\n    png = base64.b64decode('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==')\n    display(Image(data=png, format='png'))",
        ),
        (
            "code",
            "with open('results.json', 'w') as fh:\n    json.dump({'total': total, 'n': n, 'label': label, 'flow': flow, 'run_dir_env': os.environ.get('SANCTIONS_MODEL_RUN_DIR') == os.getcwd()}, fh)",
        ),
    ],
)
nb(
    "raises",
    [
        ("md", "# Raises"),
        ("code", "x: int = 1  # anything", P),
        ("code", "print('before')"),
        ("code", "raise ValueError(f'bad value {x}')"),
        ("code", "print('never')"),
    ],
)
nb(
    "sleeps",
    [
        ("code", "seconds: float = 30.0  # how long to sleep", P),
        ("code", "import time\ntime.sleep(seconds)"),
        ("code", "open('results.json', 'w').write('{}')"),
    ],
)
nb(
    "dies",
    [
        ("code", "x: int = 1  # anything", P),
        ("code", "import os\nos._exit(1)"),
    ],
)
nb(
    "hostile",
    [
        ("md", "# Hostile"),
        ("code", 'text: str = "safe"  # any string\nitems: list[str] = []  # strings', P),
        (
            "code",
            "import json, os\njson.dump({'text': text, 'items': items, 'marker_exists': os.path.exists('pwned')}, open('results.json', 'w'))",
        ),
    ],
)
