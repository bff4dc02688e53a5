using System.Security.Cryptography;
using System.Text;
using Pipeline.Errors;

namespace Pipeline.Inference.Server;

/// <summary>Where an API key comes from and how a presented one is checked: in constant time, never logged.</summary>
public static class ApiKeys
{
    /// <summary>The shortest key accepted: shorter ones can be guessed.</summary>
    public const int MinimumLength = 16;

    /// <summary>
    /// The key from <paramref name="keyFile"/> (its trimmed content) when given, otherwise from the environment variable
    /// <see cref="EmbeddingServerOptions.ApiKeyVariable"/>, otherwise null.
    /// </summary>
    public static string? Read(string? keyFile)
    {
        if (keyFile is not null)
        {
            if (!File.Exists(keyFile))
            {
                throw new FileNotFoundException($"The API key file {keyFile} does not exist.", keyFile);
            }
            return File.ReadAllText(keyFile).Trim();
        }
        string? fromEnvironment = Environment.GetEnvironmentVariable(EmbeddingServerOptions.ApiKeyVariable);
        return string.IsNullOrWhiteSpace(fromEnvironment) ? null : fromEnvironment.Trim();
    }

    /// <summary>Throws when a key is set but too short or holds whitespace.</summary>
    public static void Validate(string? key)
    {
        if (key is null)
        {
            return;
        }
        if (key.Length < MinimumLength || key.Any(char.IsWhiteSpace))
        {
            throw new InvalidSettingException(
                $"The API key must be at least {MinimumLength} characters without spaces (it has {key.Length}): make one with `openssl rand -hex 32`.");
        }
    }

    /// <summary>
    /// Whether <paramref name="presented"/> is <paramref name="expected"/>; takes the same time whatever the inputs,
    /// since both are hashed to 32 bytes before a fixed-time comparison.
    /// </summary>
    public static bool Matches(string expected, ReadOnlySpan<char> presented)
    {
        ArgumentNullException.ThrowIfNull(expected);
        Span<byte> expectedHash = stackalloc byte[SHA256.HashSizeInBytes];
        Span<byte> presentedHash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(expected), expectedHash);
        byte[] presentedBytes = new byte[Encoding.UTF8.GetByteCount(presented)];
        Encoding.UTF8.GetBytes(presented, presentedBytes);
        SHA256.HashData(presentedBytes, presentedHash);
        return CryptographicOperations.FixedTimeEquals(expectedHash, presentedHash);
    }
}
