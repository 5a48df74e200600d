#!/usr/bin/env bash
# fetch.sh DIR fetches the real chat templates that the tests of
# builtins/chat render, and writes them into DIR/chat-templates:
#
#   DIR/chat-templates/trl/*.jinja        TRL 1.16.0's wheel (Apache-2.0):
#       templates of many families, and their {% generation %} training
#       variants (*_training.jinja)
#   DIR/chat-templates/llama.cpp/*.jinja  llama-cpp-python 0.3.36's source
#       package (MIT): the templates llama.cpp tests against, as each model
#       ships them (Llama 3.1, Mistral Nemo, Qwen2.5, Gemma 2, Phi-3.5, ...)
#
# They are fetched, never committed. It needs pip (the PyPI registry),
# unzip and tar; pip is $GOLORA_PYTHON's, or python3's. Run again, it
# fetches nothing once both folders are there.
set -euo pipefail

dir=${1:?usage: fetch.sh DIR}
python=${GOLORA_PYTHON:-python3}
dest="$dir/chat-templates"
trl=trl==1.16.0
llamacpp=llama-cpp-python==0.3.36

if [ -f "$dest/trl/qwen2_5_training.jinja" ] && [ -f "$dest/llama.cpp/Qwen-Qwen2.5-7B-Instruct.jinja" ]; then
	echo "fetch.sh: $dest is there"
	exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$python" -m pip download --quiet --no-deps --only-binary=:all: -d "$work" "$trl"
mkdir -p "$work/trl"
unzip -q -j -o "$work"/trl-1.16.0-*.whl 'trl/chat_templates/*.jinja' -d "$work/trl"

"$python" -m pip download --quiet --no-deps --no-binary :all: -d "$work" "$llamacpp"
mkdir -p "$work/llama.cpp"
tar -xzf "$work/llama_cpp_python-0.3.36.tar.gz" -C "$work/llama.cpp" --strip-components=5 \
	--wildcards 'llama_cpp_python-0.3.36/vendor/llama.cpp/models/templates/*.jinja'

mkdir -p "$dest"
rm -rf "$dest/trl" "$dest/llama.cpp"
mv "$work/trl" "$work/llama.cpp" "$dest/"
echo "fetch.sh: wrote $(ls "$dest/trl" | wc -l) templates into $dest/trl and $(ls "$dest/llama.cpp" | wc -l) into $dest/llama.cpp"
