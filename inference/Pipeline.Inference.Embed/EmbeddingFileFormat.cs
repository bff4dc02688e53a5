namespace Pipeline.Inference.Embed;

/// <summary>The files <c>embed</c> writes, chosen by the output's extension.</summary>
public enum EmbeddingFileFormat
{
    /// <summary><c>.npy</c>: float32 [N, D] for NumPy, with the file names, one a line, beside it in <c>NAME.files.txt</c>.</summary>
    Npy,

    /// <summary><c>.csv</c>: a header <c>file,e0,…</c>, then one row per image.</summary>
    Csv,

    /// <summary><c>.jsonl</c>: one <c>{"file": …, "embedding": […]}</c> object per line.</summary>
    Jsonl,
}
