/**
 * What standalone adds to the router admin API: GET /status (the statuses a controller would write,
 * and the resource files' problems) and POST /reload (read every file again).
 */
import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { PipelineBus } from '../../pipeline/pipeline-bus.js';
import { statusView, type StatusView } from '../../controller-api/admin.controller.js';
import { PipelineState } from '../../pipeline/pipeline-state.js';
import { RELOAD_REQUESTED } from '../../pipeline/pipeline.events.js';
import { FileResourceProvider, type FileProblem } from '../../providers/files/file-resource.provider.js';

@Controller()
export class StandaloneController {
  constructor(
    private readonly state: PipelineState,
    private readonly files: FileResourceProvider,
    private readonly events: PipelineBus,
  ) {}

  @Get('status')
  status(): StatusView & { fileProblems: FileProblem[] } {
    return { ...statusView(this.state), fileProblems: this.files.fileProblems() };
  }

  @Post('reload')
  @HttpCode(202)
  reload(): { accepted: true } {
    this.events.emit(RELOAD_REQUESTED, {});
    return { accepted: true };
  }
}
