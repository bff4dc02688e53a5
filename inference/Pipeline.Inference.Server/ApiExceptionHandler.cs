using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Pipeline.Inference.Server;

/// <summary>
/// The server's <see cref="IExceptionHandler"/>: an <see cref="ApiException"/> becomes its status and JSON error, any
/// other exception is logged and answered with a 500 <c>internal_error</c>; the server keeps serving either way.
/// </summary>
/// <remarks>
/// ASP.NET Core's exception handler middleware calls it with the response cleared. A request whose client went away
/// never reaches it: the middleware answers 499 itself, which the request metrics count as <c>client_closed_request</c>.
/// </remarks>
internal sealed class ApiExceptionHandler(ILogger<ApiExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not ApiException error)
        {
            logger.LogError(exception, "{Method} {Path} failed.", httpContext.Request.Method, httpContext.Request.Path);
            error = new ApiException(500, "internal_error",
                $"The server failed on this request ({exception.GetType().Name}); it keeps serving. The log has the details.");
        }
        await ApiErrors.WriteAsync(httpContext, error).ConfigureAwait(false);
        return true;
    }
}
