namespace MigrationKit;

/// <summary>
/// Accepts one lint rule's findings for this revision, with the reason a reviewer agreed to, e.g.
/// <c>[AcknowledgeLint("require-concurrent-index-creation", "orders holds 200 rows")]</c>. The
/// findings are still listed, as acknowledged, and no longer fail <c>lint</c> or <c>upgrade --strict</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class AcknowledgeLintAttribute(string rule, string reason) : Attribute
{
    /// <summary>The rule's id, as `lint` prints it.</summary>
    public string Rule { get; } = rule;

    /// <summary>Why the finding is safe for this revision.</summary>
    public string Reason { get; } = reason;
}
