"""golora against jupyter_kernel_test, the conformance suite of Jupyter kernels.

Run by `make test` with the golora kernelspec installed where jupyter_client
finds it (the project's virtualenv).
"""
import unittest

import jupyter_kernel_test


class GoloraKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "golora"
    language_name = "go"
    file_extension = ".go"

    code_hello_world = 'fmt.Println("hello, world")'
    code_stderr = 'fmt.Fprintln(os.Stderr, "to stderr")'

    completion_samples = [
        {"text": "strings.ToUp", "matches": {"ToUpper", "ToUpperSpecial"}},
        {"text": "fmt.Prin", "matches": {"Print", "Printf", "Println"}},
    ]

    complete_code_samples = ["x := 1", 'fmt.Println("a")', "func f() int { return 1 }", "%time"]
    incomplete_code_samples = ["func f() int {", "for i := 0; i < 3; i++ {", "x := []int{1,\n2,"]
    invalid_code_samples = ["x := )", "x := 1 2", "x := 1 +/ 2", "}"]

    code_page_something = "strings.ToUpper?"

    code_generate_error = 'panic("boom")'

    code_execute_result = [
        {"code": "6 * 7", "result": "42"},
        {"code": '"go" + "lora"', "result": '"golora"'},
        {"code": "strings.Repeat(\"ab\", 2)", "result": '"abab"'},
    ]

    code_display_data = [
        {"code": 'display.Show(display.HTML("<b>hi</b>"))', "mime": "text/html"},
        {"code": 'display.Show(display.Markdown("# hi"))', "mime": "text/markdown"},
        {"code": 'display.Show(display.Image(image.NewRGBA(image.Rect(0, 0, 4, 4))))', "mime": "image/png"},
    ]

    code_history_pattern = "6 * *"
    supported_history_operations = ("tail", "range", "search")

    code_inspect_sample = "strings.ToUpper"

    code_clear_output = "display.ClearOutput(false)"


if __name__ == "__main__":
    unittest.main()
