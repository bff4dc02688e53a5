#nullable enable
using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

/// <summary>
/// Marks one GNU version requirement of an ELF64 shared library weak, when the machine's libstdc++ does not define
/// that version. Writes through a temporary file and a rename, so a hard link into the NuGet cache is never modified.
/// </summary>
public sealed class WeakenGlibcxxVersionNeed : Task
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlagWeak = 0x2;

    [Required]
    public string Library { get; set; } = "";

    [Required]
    public string Version { get; set; } = "";

    public override bool Execute()
    {
        string? libstdcxx = FindLibstdcxx();
        if (libstdcxx == null)
        {
            Log.LogMessage(MessageImportance.Normal, "No libstdc++.so.6 found; leaving " + Library + " as it is.");
            return true;
        }
        if (Contains(File.ReadAllBytes(libstdcxx), Encoding.ASCII.GetBytes(Version + "\0")))
        {
            Log.LogMessage(MessageImportance.Normal, libstdcxx + " defines " + Version + "; no patch needed.");
            return true;
        }

        byte[] elf = File.ReadAllBytes(Library);
        string? error;
        int patched = Weaken(elf, Version, out error);
        if (error != null)
        {
            Log.LogError("Cannot patch " + Library + ": " + error);
            return false;
        }
        if (patched == 0)
        {
            Log.LogMessage(MessageImportance.Normal, Library + " needs no weak " + Version + " (absent or already weak).");
            return true;
        }

        string temporary = Library + ".patching";
        File.WriteAllBytes(temporary, elf);
        // Replacing the file (rather than writing into it) breaks any hard link the copy may share with the cache.
        File.Delete(Library);
        File.Move(temporary, Library);
        Log.LogMessage(MessageImportance.High,
            "Marked " + Version + " weak in " + Library + " (this machine's libstdc++ lacks it; see DESIGN.md).");
        return true;
    }

    private static string? FindLibstdcxx()
    {
        string[] candidates =
        {
            "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
            "/lib/x86_64-linux-gnu/libstdc++.so.6",
            "/usr/lib64/libstdc++.so.6",
            "/usr/lib/libstdc++.so.6",
        };
        foreach (string candidate in candidates)
        {
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    /// <summary>Returns how many Vernaux records it marked weak; sets error when the file is not what it expects.</summary>
    private static int Weaken(byte[] elf, string version, out string? error)
    {
        error = null;
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
        {
            error = "not an ELF file";
            return 0;
        }
        if (elf[4] != 2 || elf[5] != 1)
        {
            error = "not a little-endian ELF64 file";
            return 0;
        }

        long sectionHeaders = (long)BitConverter.ToUInt64(elf, 0x28);
        int sectionHeaderSize = BitConverter.ToUInt16(elf, 0x3A);
        int sectionCount = BitConverter.ToUInt16(elf, 0x3C);
        int patched = 0;
        for (int section = 0; section < sectionCount; section++)
        {
            long header = sectionHeaders + (long)section * sectionHeaderSize;
            if (BitConverter.ToUInt32(elf, (int)header + 4) != ShtGnuVerneed)
            {
                continue;
            }
            long offset = (long)BitConverter.ToUInt64(elf, (int)header + 0x18);
            uint linkedStrings = BitConverter.ToUInt32(elf, (int)header + 0x28);
            uint needCount = BitConverter.ToUInt32(elf, (int)header + 0x2C);
            long strings = (long)BitConverter.ToUInt64(elf, (int)(sectionHeaders + (long)linkedStrings * sectionHeaderSize + 0x18));

            long need = offset;
            for (uint n = 0; n < needCount; n++)
            {
                int auxCount = BitConverter.ToUInt16(elf, (int)need + 2);
                long aux = need + BitConverter.ToUInt32(elf, (int)need + 8);
                for (int a = 0; a < auxCount; a++)
                {
                    ushort flags = BitConverter.ToUInt16(elf, (int)aux + 4);
                    uint name = BitConverter.ToUInt32(elf, (int)aux + 8);
                    if (ReadString(elf, strings + name) == version && (flags & VerFlagWeak) == 0)
                    {
                        BitConverter.GetBytes((ushort)(flags | VerFlagWeak)).CopyTo(elf, (int)aux + 4);
                        patched++;
                    }
                    aux += BitConverter.ToUInt32(elf, (int)aux + 12);
                }
                need += BitConverter.ToUInt32(elf, (int)need + 12);
            }
        }
        return patched;
    }

    private static string ReadString(byte[] elf, long start)
    {
        long end = start;
        while (end < elf.Length && elf[end] != 0)
        {
            end++;
        }
        return Encoding.ASCII.GetString(elf, (int)start, (int)(end - start));
    }

    private static bool Contains(byte[] haystack, byte[] needle)
    {
        for (int start = 0; start + needle.Length <= haystack.Length; start++)
        {
            int matched = 0;
            while (matched < needle.Length && haystack[start + matched] == needle[matched])
            {
                matched++;
            }
            if (matched == needle.Length)
            {
                return true;
            }
        }
        return false;
    }
}
