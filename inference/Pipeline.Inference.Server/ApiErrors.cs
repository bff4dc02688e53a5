using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;

namespace Pipeline.Inference.Server;

/// <summary>Writes the server's error body, OpenAI-shaped: <c>{"error": {"message", "type", "code", "param"}}</c>.</summary>
public static class ApiErrors
{
    /// <summary>The failure reason of a request whose client went away before it was answered.</summary>
    public const string ClientClosedRequest = "client_closed_request";

    // Where WriteAsync leaves the code of the error it wrote, for the request metrics.
    private static readonly object CodeKey = new();

    /// <summary>Writes <paramref name="error"/> as the response, with Retry-After when it has one.</summary>
    public static Task WriteAsync(HttpContext context, ApiException error)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(error);
        context.Items[CodeKey] = error.Code;
        context.Response.StatusCode = error.Status;
        if (error.RetryAfterSeconds is { } seconds)
        {
            context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        if (error.Status == StatusCodes.Status401Unauthorized)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
        }
        var body = new ErrorResponse(new ErrorDetail(error.Message, TypeOf(error.Status), error.Code, error.Param));
        return context.Response.WriteAsJsonAsync(body, ServerJson.Options, context.RequestAborted);
    }

    /// <summary>
    /// Why the request failed: the code of the error written as its response, <see cref="ClientClosedRequest"/> when its
    /// client went away (ASP.NET Core's 499), or null when it did not fail.
    /// </summary>
    public static string? FailureOf(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Items.TryGetValue(CodeKey, out object? code) ? (string?)code
            : context.Response.StatusCode == StatusCodes.Status499ClientClosedRequest ? ClientClosedRequest
            : null;
    }

    private static string TypeOf(int status) => status switch
    {
        StatusCodes.Status401Unauthorized or StatusCodes.Status403Forbidden => "authentication_error",
        StatusCodes.Status404NotFound => "not_found_error",
        StatusCodes.Status429TooManyRequests => "rate_limit_error",
        >= 500 => "server_error",
        _ => "invalid_request_error",
    };
}

/// <summary>The body of every error response.</summary>
public sealed record ErrorResponse(ErrorDetail Error);

/// <summary>What went wrong with a request: a sentence for people, a code for programs, the field at fault.</summary>
public sealed record ErrorDetail(
    string Message,
    string Type,
    string Code,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Param);
