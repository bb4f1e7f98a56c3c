"""Reading and writing: corpus streaming, the tokenizer, the encoded id cache, vector formats, atomic outputs."""
