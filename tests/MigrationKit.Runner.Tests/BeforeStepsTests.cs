using MigrationKit.Core;

namespace MigrationKit.Runner.Tests;

/// <summary>RunnerOptions.BeforeSteps: sees the plan made under the lock, and can stop the run before anything is applied.</summary>
public sealed class BeforeStepsTests
{
    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Before_steps_sees_the_plan_from_the_heads_the_run_read(string provider)
    {
        using var database = await TestDatabase.CreateAsync(provider);
        await database.Runner(Linear.All).UpgradeAsync("aa0000000002");
        var seen = new List<string>();

        await database.Runner(Linear.All, new RunnerOptions { BeforeSteps = plan => seen.AddRange(plan.Steps.Select(s => s.Revision.Id)) })
            .UpgradeAsync("head");

        Assert.Equal(["aa0000000003", "aa0000000004", "aa0000000005"], seen);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Before_steps_that_throws_stops_the_run_with_nothing_applied(string provider)
    {
        using var database = await TestDatabase.CreateAsync(provider);
        var options = new RunnerOptions { BeforeSteps = _ => throw new MigrationKitException("Refused by lint.") };

        var error = await Assert.ThrowsAsync<MigrationKitException>(() => database.Runner(Linear.All, options).UpgradeAsync("head"));

        Assert.Equal("Refused by lint.", error.Message);
        Assert.Empty(await database.TablesAsync());
        Assert.Empty(await database.VersionRowsAsync());
        // The lock was released: the next run goes ahead.
        await database.Runner(Linear.All).UpgradeAsync("head");
        Assert.Equal(["aa0000000005"], await database.VersionRowsAsync());
    }
}
