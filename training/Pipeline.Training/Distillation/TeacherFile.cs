namespace Pipeline.Training.Distillation;

/// <summary>One teacher of a distillation run: its <c>inference_model.onnx</c> and that file's SHA-256 when the run started,
/// which a resumed run must find again.</summary>
public sealed record TeacherFile(string Path, string Sha256);
