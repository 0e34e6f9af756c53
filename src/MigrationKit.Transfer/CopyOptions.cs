namespace MigrationKit.Transfer;

/// <summary>What to do with a row whose key already exists in the target.</summary>
internal enum ConflictMode
{
    /// <summary>The table's copy fails and its transaction rolls back.</summary>
    Error,

    /// <summary>The target's row stays; the source's is dropped.</summary>
    Skip,

    /// <summary>The source's row overwrites the target's (what an ORM merge() does).</summary>
    Update,
}

/// <summary>How one copy runs; every option has the default the `copy` command documents.</summary>
internal sealed record CopyOptions
{
    /// <summary>The version table: read on both ends, never copied.</summary>
    public string VersionTable { get; init; } = Runner.Database.VersionTable.DefaultName;

    /// <summary>How long to wait for the target's migration lock (<c>--lock-wait</c>).</summary>
    public TimeSpan LockWait { get; init; } = Runner.RunnerOptions.DefaultLockWait;

    /// <summary>Tables loaded at once.</summary>
    public int Jobs { get; init; } = Environment.ProcessorCount;

    public ConflictMode OnConflict { get; init; } = ConflictMode.Error;

    /// <summary>Empty each selected target table inside the transaction that loads it.</summary>
    public bool Truncate { get; init; }

    /// <summary>Load with triggers and foreign-key checks off (session_replication_role = replica).</summary>
    public bool DisableTriggers { get; init; }

    /// <summary>Go on despite revision or schema differences, copying the columns that still line up.</summary>
    public bool Force { get; init; }

    /// <summary>Compare row counts and checksums of both ends after the copy.</summary>
    public bool Verify { get; init; }

    /// <summary>Skip the tables a killed copy of the same source already finished.</summary>
    public bool Resume { get; init; }

    /// <summary>Row filters by table display name; validated by <see cref="RowFilter"/>.</summary>
    public IReadOnlyDictionary<string, string> Where { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// A table larger than this on the source (bytes; 0: never) with a one-column primary key is read
    /// as up to --jobs key ranges at once and written through its one COPY (see KeyRangePump).
    /// </summary>
    public long SplitAbove { get; init; } = 512L * 1024 * 1024;

    /// <summary>Bytes moved per read from the source; one pooled buffer per job.</summary>
    public int BufferSize { get; init; } = 128 * 1024;
}

/// <summary>Receives a table's progress; the CLI draws it, tests may ignore it.</summary>
internal interface ITransferProgress
{
    void Started(string table);

    void Advanced(string table, long rows, long bytes);

    void Finished(TableResult result);
}

/// <summary>What one table's copy moved.</summary>
internal sealed record TableResult(string Table, long Rows, long Bytes, TimeSpan Elapsed, bool Skipped = false)
{
    public double RowsPerSecond => Elapsed.TotalSeconds > 0 ? Rows / Elapsed.TotalSeconds : Rows;
}

/// <summary>What a copy did, table by table, in the order the tables finished.</summary>
internal sealed record CopyResult(IReadOnlyList<TableResult> Tables, IReadOnlyList<string> Warnings);
