namespace MigrationKit.Design.Proof;

internal enum ProofOutcome
{
    Passed,
    Failed,

    /// <summary>Not run: it needs a revision whose upgrade or downgrade failed earlier in the run.</summary>
    NotTested,
}

/// <summary>
/// What `test` found for one revision (or, named <see cref="RevisionProof.ModelCase"/>, for the
/// app's model against head).
/// </summary>
/// <param name="Snapshot">Whether the revision records a model snapshot, so the schema was compared with it (else with itself only).</param>
/// <param name="Problems">One line each, saying in which phase and what differs; empty when it passed.</param>
internal sealed record ProofResult(
    string Name, string Message, ProofOutcome Outcome, bool Snapshot, IReadOnlyList<string> Problems, TimeSpan Duration);
