namespace DockerIR.Core.Case;

/// <summary>
/// How a case's evidence image is named and labelled: the snapshot commits it so, extraction and redeploy find it and
/// tell it from an ordinary image by these labels.
/// </summary>
public static class EvidenceImage
{
    public const string LabelCase = "dockerir.case";
    public const string LabelSourceContainer = "dockerir.source.container";
    public const string LabelSourceImage = "dockerir.source.image";
    public const string LabelCreated = "dockerir.created";
    public const string RepositoryPrefix = "dockerir-evidence/";
}
