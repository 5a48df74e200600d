// Package safetensors reads and writes the safetensors file format of
// Hugging Face: an 8-byte little-endian header length, a JSON header that
// names each tensor with its dtype, shape and byte range, then the raw
// little-endian tensor data.
//
// Open validates the whole header before anything is read: its length
// (at most MaxHeaderSize), its JSON, every dtype and shape, and every byte
// range (inside the file, non-overlapping, exactly shape × dtype size). A
// truncated or hostile file is an error that names the file and the tensor,
// never a panic or an allocation larger than the file. Tensor data is read
// lazily, one tensor at a time, so a model can be loaded without holding two
// full copies of its weights.
//
// OpenDir opens a model folder's weights: model.safetensors, or the shards
// that model.safetensors.index.json lists.
//
// Write saves tensors atomically (a temporary file in the same folder,
// fsync, rename), in the layout Python's safetensors writes, so that a file
// written here is byte for byte the file safetensors.torch.save_file writes
// for the same tensors and metadata.
package safetensors
