@echo off
rem The Diffa Studio command line of an installed app (Windows): diffa serve, diffa ask ..., diffa --help.
rem It runs the app's own CLI (resources\app.asar\dist\main\cli.js) with the app's executable acting as Node.
setlocal
set ELECTRON_RUN_AS_NODE=1
"%~dp0..\..\Diffa Studio.exe" "%~dp0..\app.asar\dist\main\cli.js" %*
exit /b %ERRORLEVEL%
