using System.CommandLine;
using Pipeline.Cli;
using Pipeline.Inference.Cli;
using Pipeline.Training.Cli;

namespace Pipeline.Training.Tests.Cli;

/// <summary>
/// Every numeric option of every verb of both CLIs, found by walking their command trees (a new option is covered
/// without touching this file), fed values no numeric option accepts: a usage error (exit 2) that names the option and
/// the value, no stack trace, and nothing written to <c>--out</c>.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class NumericOptionTests
{
    // Not a number, empty, not a number although double parses it, below every option's range, beyond every type's.
    private static readonly string[] RefusedEverywhere = ["abc", "", "NaN", "-1", "1e400"];

    private static readonly Type[] NumericTypes = [typeof(int), typeof(long), typeof(double), typeof(int?), typeof(double?)];

    public static TheoryData<string, string, string, string> Cases()
    {
        var cases = new TheoryData<string, string, string, string>();
        foreach ((string tool, RootCommand root) in Tools())
        {
            foreach ((string verb, Option option) in NumericOptions(root, ""))
            {
                foreach (string value in RefusedEverywhere)
                {
                    cases.Add(tool, verb, option.Name, value);
                }
            }
        }
        return cases;
    }

    [Fact]
    public void TheCommandTrees_HoldManyNumericOptions_AndNoneOfATypeThisTestMisses()
    {
        Option[] numeric = [.. Tools().SelectMany(tool => NumericOptions(tool.Root, "")).Select(found => found.Option)];
        Type[] types = [.. Tools().SelectMany(tool => AllVerbs(tool.Root)).SelectMany(verb => verb.Options).Select(option => option.ValueType).Distinct()];

        Assert.True(numeric.Length > 50, $"only {numeric.Length} numeric options found");
        Assert.DoesNotContain(types, type => !NumericTypes.Contains(type) && IsNumber(Nullable.GetUnderlyingType(type) ?? type));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task NumericOption_GivenAValueNoneAccepts_IsAUsageErrorNamingItAndWritesNothing(string tool, string verb, string option, string value)
    {
        using var folder = new TempDirectory();
        string output = folder.File("out");
        RootCommand root = Tools().Single(candidate => candidate.Tool == tool).Root;
        Command command = verb.Split(' ').Aggregate((Command)root, (parent, name) => parent.Subcommands.Single(sub => sub.Name == name));
        // Every other option a verb requires is given, so that the value under test is the only thing wrong.
        List<string> arguments = [.. verb.Split(' ')];
        foreach (Option other in command.Options.Where(other => (other.Required || other.Name == "--out") && other.Name != option))
        {
            arguments.AddRange([other.Name, other.Name == "--out" ? output : "x"]);
        }
        arguments.AddRange([option, value]);

        (int exit, string stdout, string stderr) = await CliRunner.RunAsync(root, [.. arguments]);
        string error = stdout + stderr;

        Assert.True(exit == ExitCodes.Usage, $"{tool} {string.Join(' ', arguments)}: exit {exit}\n{error}");
        Assert.Contains($"{option} must be ", error);
        Assert.Contains($"not '{value}'", error);
        Assert.DoesNotContain("   at ", error);
        Assert.False(Path.Exists(output), $"{tool} {verb} wrote {output}");
    }

    private static (string Tool, RootCommand Root)[] Tools() => [("pipeline-train", TrainCommand.Create()), ("pipeline-infer", InferCommand.Create())];

    private static IEnumerable<Command> AllVerbs(Command command) => command.Subcommands.SelectMany(verb => AllVerbs(verb).Prepend(verb));

    private static bool IsNumber(Type type) =>
        type.GetInterfaces().Any(face => face.IsGenericType && face.GetGenericTypeDefinition() == typeof(System.Numerics.INumberBase<>));

    private static IEnumerable<(string Verb, Option Option)> NumericOptions(Command command, string path)
    {
        foreach (Command verb in command.Subcommands)
        {
            string name = (path + " " + verb.Name).Trim();
            foreach (Option option in verb.Options.Where(option => NumericTypes.Contains(option.ValueType)))
            {
                yield return (name, option);
            }
            foreach ((string Verb, Option Option) nested in NumericOptions(verb, name))
            {
                yield return nested;
            }
        }
    }
}
