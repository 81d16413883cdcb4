using DockerIR.Core.Case;
using DockerIR.Core.Engine;
using DockerIR.Core.Redeploy;

namespace DockerIR.Core.Tests;

public sealed class WritePlacementTests
{
    private static ChangeEntry A(string path) => new(path, ChangeKind.Added);

    private static ChangeEntry C(string path) => new(path, ChangeKind.Changed);

    private static ImageDir Dir(string path, int entries, bool exists = true, int mode = 0x1ED, long uid = 0, long gid = 0) => new(path, exists, entries, mode, uid, gid);

    [Fact]
    public void Locations_ApacheStart_TheDirectoriesItWritesInNotTheirParents()
    {
        // Apache's start on Debian: a pid under /run/apache2 (which it creates), logs in /var/log/apache2, and a lock
        // directory made and removed under /run/lock, which only the copied-up (now empty) /run/lock shows.
        IReadOnlyList<ChangeEntry> changes =
        [
            C("/run"), A("/run/apache2"), A("/run/apache2/apache2.pid"), C("/run/lock"),
            C("/var"), C("/var/log"), C("/var/log/apache2"), A("/var/log/apache2/access.log"), A("/var/log/apache2/error.log"),
        ];

        var locations = WritePlacement.Locations(changes, WriteSeen.Canary, new HashSet<string> { "/run", "/run/apache2", "/run/lock", "/var", "/var/log", "/var/log/apache2" });

        Assert.Equal(["/run/apache2", "/run/lock", "/var/log/apache2"], locations.Select(l => l.Path).Order(StringComparer.Ordinal));
        Assert.True(locations.Single(l => l.Path == "/run/apache2").Created);
        Assert.Equal(WriteSeen.Transient, locations.Single(l => l.Path == "/run/lock").Seen);
        Assert.False(locations.Single(l => l.Path == "/var/log/apache2").Created);
    }

    [Fact]
    public void Locations_DeletedFile_WritesInItsParent()
    {
        var location = Assert.Single(WritePlacement.Locations([C("/etc"), C("/etc/app"), new ChangeEntry("/etc/app/stale.lock", ChangeKind.Deleted)], WriteSeen.Diff));

        Assert.Equal("/etc/app", location.Path);
    }

    [Fact]
    public void Place_ApacheProfile_TmpfsWhereNothingIsHiddenVolumeForLogsAndNothingOnRun()
    {
        List<WriteLocation> locations =
        [
            new("/run/apache2", WriteSeen.Canary, true, "/run/apache2/apache2.pid"),
            new("/run/lock", WriteSeen.Transient, false, "/run/lock"),
            new("/var/log/apache2", WriteSeen.Canary, false, "/var/log/apache2/access.log"),
        ];
        var warnings = new List<string>();

        var mounts = WritePlacement.Place(locations, [Dir("/run/apache2", 0, exists: false), Dir("/run/lock", 0, mode: 0x3FF), Dir("/var/log/apache2", 0, mode: 0x1E8, gid: 4)], [], warnings);

        Assert.Equal([("/run/apache2", "tmpfs"), ("/run/lock", "tmpfs"), ("/var/log/apache2", "volume")], mounts.Select(m => (m.Path, m.Kind)));
        Assert.Contains("mode=1777", mounts[1].Options, StringComparison.Ordinal);
        Assert.True(mounts[2].SurvivesRestart);
        Assert.Empty(warnings);
    }

    [Fact]
    public void Place_DirectoryWithImageContent_GetsAVolumeNeverATmpfs()
    {
        var mount = Assert.Single(WritePlacement.Place([new WriteLocation("/run", WriteSeen.Canary, false, "/run/app.pid")], [Dir("/run", 2)], [], []));

        Assert.Equal(WritableMount.Volume, mount.Kind);
        Assert.Contains("2 entries", mount.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Place_NestedLocations_OneMountAtTheTopmost()
    {
        var mounts = WritePlacement.Place(
            [new WriteLocation("/var/lib/app/cache", WriteSeen.Canary, false, "x"), new WriteLocation("/var/lib/app", WriteSeen.Canary, false, "y")],
            [Dir("/var/lib/app", 0), Dir("/var/lib/app/cache", 0)], [], []);

        Assert.Equal(["/var/lib/app"], mounts.Select(m => m.Path));
    }

    [Fact]
    public void Place_UnderAnExistingMount_AddsNothing()
    {
        Assert.Empty(WritePlacement.Place([new WriteLocation("/data/db", WriteSeen.Canary, false, "x")], [Dir("/data/db", 0)], ["/data"], []));
    }

    [Theory]
    [InlineData("/var/www/html")]
    [InlineData("/var/www/html/cache")]
    [InlineData("/")]
    public void Place_WebRootOrRoot_StaysReadOnlyWithAWarning(string path)
    {
        var warnings = new List<string>();

        var mounts = WritePlacement.Place([new WriteLocation(path, WriteSeen.Canary, false, path + "/x")], [Dir(path, 0)], [], warnings);

        Assert.Empty(mounts);
        Assert.Single(warnings);
    }
}
