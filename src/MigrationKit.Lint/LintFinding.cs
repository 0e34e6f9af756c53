namespace MigrationKit.Lint;

/// <summary>One rule's finding in one revision.</summary>
/// <param name="Revision">The revision's id ("new" for one not written yet).</param>
/// <param name="Rule">The rule's id, which <c>[AcknowledgeLint]</c> names.</param>
/// <param name="Table">The table it concerns; "-" for the revision as a whole.</param>
/// <param name="Message">What the SQL does and why it hurts a live database.</param>
/// <param name="Alternative">The safe way to make the change.</param>
/// <param name="AcknowledgedBecause">The reason given by <c>[AcknowledgeLint]</c>; null when not acknowledged.</param>
public sealed record LintFinding(string Revision, string Rule, string Table, string Message, string Alternative, string? AcknowledgedBecause)
{
    public bool IsAcknowledged => AcknowledgedBecause is not null;

    /// <summary>One line: rule, table and message, and the acknowledgement when there is one.</summary>
    public string Describe()
        => $"{Rule} ({Table}): {Message}." + (AcknowledgedBecause is { } reason ? $" Acknowledged: {reason}." : "");
}
