"""Every relative link of README.md and docs/*.md names a file of the repository, and every
#anchor a heading of the linked document (GitHub's heading slugs), so a renamed file or section
cannot leave dead links behind. Code blocks are skipped.
Usage: check_links.py SOURCE_DIR"""
import pathlib
import re
import sys


def slug(heading):
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def without_code(text):
    return re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)


root = pathlib.Path(sys.argv[1]).resolve()
docs = [root / "README.md"] + sorted((root / "docs").glob("*.md"))
anchors = {d: {slug(h) for h in re.findall(r"^#+ (.*)$", without_code(d.read_text(encoding="utf-8")),
                                           flags=re.M)}
           for d in docs}
bad = []
links = 0
for d in docs:
    for target in re.findall(r"\]\(([^)\s]+)\)", without_code(d.read_text(encoding="utf-8"))):
        if re.match(r"[a-z]+:", target):
            continue  # http:, https:, mailto:
        links += 1
        path, _, anchor = target.partition("#")
        f = (d.parent / path).resolve() if path else d
        if not f.exists():
            bad.append(f"{d.relative_to(root)}: {target}: no such file")
        elif anchor and f.suffix == ".md" and anchor not in anchors.get(f, set()):
            bad.append(f"{d.relative_to(root)}: {target}: no heading with that anchor")
print("\n".join(bad))
print(f"{links} relative links in {len(docs)} documents, {len(bad)} dead")
sys.exit(1 if bad else 0)
