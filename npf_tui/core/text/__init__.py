"""Text analysis: normalisation and script folding, the jieba segmenter and tokenizers, pinyin, sentences.

Imports nothing from the rest of the core but `errors` and `models` (checked by import-linter).
"""
