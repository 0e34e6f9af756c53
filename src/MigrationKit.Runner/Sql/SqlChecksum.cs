using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore.Migrations;

namespace MigrationKit.Runner.Sql;

/// <summary>
/// The one checksum of what a revision runs: its commands (the SQL generated for its operations,
/// raw SQL included) read as statements of tokens, so whitespace, line endings, comments and the
/// case of keywords and bare names do not count, while literals and quoted names count as written.
/// A statement that runs outside a transaction differs from the same one inside. The history keeps
/// a short hash per statement beside the whole, to say how many statements an edit changed; the
/// step journal uses the whole to refuse resuming commands that changed.
/// </summary>
/// <param name="Value">32 hex digits over the statements in order.</param>
/// <param name="Statements">16 hex digits per statement, in order.</param>
internal sealed record SqlChecksum(string Value, IReadOnlyList<string> Statements)
{
    public static SqlChecksum Of(IEnumerable<MigrationCommand> commands)
    {
        var statements = new List<string>();
        using var whole = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var command in commands)
        {
            foreach (var tokens in SqlLexer.Statements(command.CommandText))
            {
                var hash = Hex((command.TransactionSuppressed ? "outside " : "") + Normalized(tokens));
                whole.AppendData(Encoding.ASCII.GetBytes(hash + "\n"));
                statements.Add(hash[..16]);
            }
        }

        return new SqlChecksum(Convert.ToHexStringLower(whole.GetHashAndReset())[..32], statements);
    }

    /// <summary>
    /// How many statements differ from <paramref name="stored"/> (the statement hashes of an earlier
    /// run): a changed statement counts once, an added or a removed one once, the order aside.
    /// </summary>
    public int CountDiffering(IReadOnlyList<string> stored)
    {
        var left = stored.GroupBy(h => h, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var added = 0;
        foreach (var hash in Statements)
        {
            if (left.TryGetValue(hash, out var count) && count > 0)
            {
                left[hash] = count - 1;
            }
            else
            {
                added++;
            }
        }

        return Math.Max(added, left.Values.Sum());
    }

    /// <summary>The tokens one space apart, literals and quoted names quoted again as the lexer unquoted them.</summary>
    private static string Normalized(List<SqlToken> tokens)
    {
        var text = new StringBuilder();
        foreach (var token in tokens)
        {
            if (text.Length > 0)
            {
                text.Append(' ');
            }

            text.Append(token.Kind switch
            {
                SqlTokenKind.QuotedIdentifier => "\"" + token.Value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"",
                SqlTokenKind.String => "'" + token.Value.Replace("'", "''", StringComparison.Ordinal) + "'",
                _ => token.Value,
            });
        }

        return text.ToString();
    }

    private static string Hex(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
