"""render.py CASES OUT renders chat templates with Hugging Face transformers,
the reference that builtins/chat's tests compare golora's renderings with.

CASES is a JSON array; each case has "template" (the Jinja text),
"messages", "tools" (or null), "add_generation_prompt", "bos_token",
"eos_token", "vars" (other template variables) and "spans" (true to ask
for the {% generation %} ranges, as return_assistant_tokens_mask does).
OUT receives a JSON array, one object a case: "text" (the rendering) or
"error" (the exception's message), and with "spans", "spans": the
generation ranges as [start, end) byte offsets of the UTF-8 text
(transformers records them in characters).
"""

import json
import sys

from transformers.utils.chat_template_utils import (
    _normalize_chat_messages,
    render_jinja_template,
)


def byte_offset(text, chars):
    return len(text[:chars].encode("utf-8"))


def render(case):
    messages = _normalize_chat_messages(case["messages"])
    kwargs = dict(case.get("vars") or {})
    kwargs["bos_token"] = case.get("bos_token", "")
    kwargs["eos_token"] = case.get("eos_token", "")
    try:
        rendered, indices = render_jinja_template(
            conversations=[messages],
            tools=case.get("tools"),
            chat_template=case["template"],
            add_generation_prompt=case.get("add_generation_prompt", False),
            return_assistant_tokens_mask=case.get("spans", False),
            **kwargs,
        )
    except Exception as e:  # the template's own message is what is compared
        return {"error": str(e)}
    text = rendered[0]
    out = {"text": text}
    if case.get("spans"):
        out["spans"] = [[byte_offset(text, s), byte_offset(text, e)] for s, e in indices[0]]
    return out


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        cases = json.load(f)
    results = [render(case) for case in cases]
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        json.dump(results, f, ensure_ascii=False)


if __name__ == "__main__":
    main()
