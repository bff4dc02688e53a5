using Pipeline.Cli;
using Pipeline.Data;
using Pipeline.Errors;
using Pipeline.Inference.Search;
using Pipeline.Onnx.Optimizers;
using Pipeline.Storage;
using Pipeline.Storage.Registry;

namespace Pipeline.Inference.Tests.Cli;

/// <summary>The error model both CLIs share (DESIGN.md, "Contract: exit codes and errors"): typed user errors print one line with their exit code, anything else is a bug.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class CliErrorsTests
{
    public static TheoryData<Exception, int> UserErrors() => new()
    {
        { new InvalidSettingException("a setting is out of range"), ExitCodes.Usage },
        { new UsageException("--epochs must be a positive whole number, not 'abc'."), ExitCodes.Usage },
        { new TrainingDivergedException("the loss became NaN at step 3"), ExitCodes.Diverged },
        { new FailedParity("the export differs by 0.5"), ExitCodes.ParityFailed },
        { new ArtifactStoreException("the store could not be reached"), ExitCodes.StoreUnavailable },
        { new ArtifactNotFoundException("file:registry", "m/v1/encoder.onnx"), ExitCodes.Failure },
        { new ModelNotFoundException("no model m"), ExitCodes.Failure },
        { new DataFormatException("/data/x.csv", "is truncated"), ExitCodes.Failure },
        { new InvalidInputException("wrong_size", "the image is too large"), ExitCodes.Failure },
        { new IndexModelMismatchException(new string('a', 64), new string('b', 64)), ExitCodes.Failure },
        { new UserErrorException("the address is in use"), ExitCodes.Failure },
        { new InvalidDataException("the file is not an ONNX model"), ExitCodes.Failure },
        { new FileNotFoundException("Could not find file '/no/such/model.onnx'.", "/no/such/model.onnx"), ExitCodes.Failure },
        { new DirectoryNotFoundException("Could not find a part of the path '/no/such/folder/out.npy'."), ExitCodes.Failure },
    };

    [Theory]
    [MemberData(nameof(UserErrors))]
    public async Task ATypedUserError_PrintsItsMessageOnOneLine_WithItsDocumentedExitCode(Exception error, int expected)
    {
        (int exit, string stderr) = await RunAsync(() => throw error);

        Assert.Equal(expected, exit);
        Assert.Equal("error: " + error.Message + Environment.NewLine, stderr);
    }

    public static TheoryData<Exception, int> EdgeUserErrors() => new()
    {
        { new InvalidSettingException("a setting is out of range"), ExitCodes.Usage },
        { new UsageException("--threads must be 0 or a positive whole number, not '0.5'."), ExitCodes.Usage },
        { new FailedParity("the int8 variant differs by 0.5"), ExitCodes.ParityFailed },
        { new DataFormatException("/images/x.png", "is not a PNG or JPEG"), ExitCodes.Failure },
        { new InvalidDataException("the file is not an ONNX model"), ExitCodes.Failure },
        { new FileNotFoundException("encoder.onnx was not found"), ExitCodes.Failure },
    };

    [Theory]
    [MemberData(nameof(EdgeUserErrors))]
    public async Task TheEdgeCliErrors_WithoutTheStoreAndTraining_GiveTheSameExitCodes(Exception error, int expected)
    {
        (int exit, string stderr) = await RunAsync(() => throw error, body => CommandErrors.RunAsync(body));

        Assert.Equal(expected, exit);
        Assert.Equal("error: " + error.Message + Environment.NewLine, stderr);
    }

    [Theory]
    [InlineData(typeof(InvalidOperationException))]
    [InlineData(typeof(ArgumentException))]
    [InlineData(typeof(FormatException))]
    [InlineData(typeof(NullReferenceException))]
    public async Task AnUntypedException_IsABug_ItPrintsItsStackTrace_AndExitsOne(Type type)
    {
        (int exit, string stderr) = await RunAsync(() => Fail(type));

        Assert.Equal(ExitCodes.Failure, exit);
        Assert.Contains(type.FullName!, stderr);
        Assert.Contains("a broken invariant", stderr);
        Assert.Contains("   at ", stderr);
        Assert.Contains(nameof(Fail), stderr);
    }

    [Fact]
    public async Task Cancellation_ExitsOneHundredThirty()
    {
        (int exit, string stderr) = await RunAsync(() => throw new OperationCanceledException());

        Assert.Equal(ExitCodes.Cancelled, exit);
        Assert.Equal("cancelled." + Environment.NewLine, stderr);
    }

    private static Task<int> Fail(Type type) => throw (Exception)Activator.CreateInstance(type, "a broken invariant")!;

    private static async Task<(int Exit, string Stderr)> RunAsync(Func<Task<int>> body, Func<Func<Task<int>>, Task<int>>? runner = null)
    {
        runner ??= command => CliErrors.RunAsync(command);
        TextWriter stderr = Console.Error;
        using var captured = new StringWriter();
        Console.SetError(captured);
        try
        {
            return (await runner(body), captured.ToString());
        }
        finally
        {
            Console.SetError(stderr);
        }
    }

    private sealed class FailedParity(string message) : ParityException(message);
}
