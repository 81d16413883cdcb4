using System.Text;
using DockerIR.Core.Engine;

namespace DockerIR.Testing;

/// <summary>
/// The image store of the fake engine: images as inspected, with their layers as directories on this host when a test
/// gives them (overlay2's UpperDir and LowerDir), and commits of fake containers (the container's upper directory
/// becomes the new image's top layer, as overlay2 does).
/// </summary>
public sealed class FakeImages(FakeCalls calls, Func<string, ContainerInspection> container) : IImageStore
{
    private readonly Dictionary<string, ImageInspection> images = new(StringComparer.Ordinal);

    public List<CommitRequest> Commits { get; } = [];

    /// <summary>Completed when the first commit is requested.</summary>
    public TaskCompletionSource CommitRequested { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>An image whose layers are the given directories, topmost first (none: an image whose layers cannot be read).</summary>
    public static ImageInspection Image(string id, string tag, ContainerConfigInfo config, params string[] layers) =>
        new(id, [tag], "2026-01-01T00:00:00Z", 1234, config, Driver(layers), Encoding.UTF8.GetBytes($$"""{"Id":"{{id}}"}"""));

    /// <summary>overlay2's description of a stack of layer directories, topmost first.</summary>
    public static GraphDriverInfo Driver(IReadOnlyList<string> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        if (layers.Count == 0)
        {
            return new GraphDriverInfo("fake", new Dictionary<string, string>());
        }

        var data = new Dictionary<string, string> { ["UpperDir"] = layers[0] };
        if (layers.Count > 1)
        {
            data["LowerDir"] = string.Join(':', layers.Skip(1));
        }

        return new GraphDriverInfo("overlay2", data);
    }

    public void Add(ImageInspection image)
    {
        ArgumentNullException.ThrowIfNull(image);
        images[image.Id] = image;
    }

    public bool Contains(string id) => images.ContainsKey(id);

    public ImageInspection? Find(string reference) =>
        images.GetValueOrDefault(reference) ?? images.Values.FirstOrDefault(i => i.RepoTags.Contains(reference));

    public Task<string> CommitAsync(CommitRequest request, CancellationToken cancellationToken) =>
        calls.Record("commit", () =>
        {
            ArgumentNullException.ThrowIfNull(request);
            var c = container(request.ContainerId);
            Commits.Add(request);
            CommitRequested.TrySetResult();
            var id = $"sha256:{Commits.Count:x64}";
            var below = Find(c.ImageId)?.LayerDirectories ?? [];
            var upper = c.GraphDriver.Data.GetValueOrDefault("UpperDir");
            var layers = upper is null ? [] : below.Prepend(upper).ToArray();
            images[id] = Image(id, $"{request.Repository}:{request.Tag}", c.Config with { Labels = new Dictionary<string, string>(request.Labels) }, layers);
            return id;
        });

    public Task<IReadOnlyList<ImageSummary>> ListImagesAsync(IReadOnlyList<string> labels, CancellationToken cancellationToken) =>
        calls.Record("images", () => (IReadOnlyList<ImageSummary>)images.Values
            .Where(i => FakeCalls.HasLabels(i.Config.Labels, labels))
            .Select(i => new ImageSummary(i.Id, i.RepoTags, i.Config.Labels)).ToList());

    public Task<ImageInspection> InspectImageAsync(string reference, CancellationToken cancellationToken) =>
        calls.Record("image-inspect", () => Find(reference) ?? throw new ImageNotFoundException(reference));

    public Task RemoveImageAsync(string reference, bool force, CancellationToken cancellationToken) =>
        calls.Record("image-remove", () =>
        {
            if (Find(reference) is not { } image)
            {
                throw new ImageNotFoundException(reference);
            }

            images.Remove(image.Id);
        });

    public Task<Stream> SaveImageAsync(string reference, CancellationToken cancellationToken) =>
        throw new NotSupportedException("the fake image store does not write `docker save` archives");

    public Task<string> ImportImageAsync(Stream rootfsTar, ImportRequest request, CancellationToken cancellationToken) =>
        throw new NotSupportedException("the fake image store does not import root filesystems");
}
